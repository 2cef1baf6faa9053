//! The samples of a model as a table: what `crux samples` writes and the
//! Python package's `Model.samples` returns.
//!
//! The table is long ("tidy"): one row per sample and chosen point, with the
//! columns `sample` (1-based, as in the engine's messages), the axis (named
//! like it, absent for a model without one), every param's draw, every
//! derived value, every mechanism's effect (by its id, positive for a risk as
//! for a benefit; `ID_effect` when a param or derived value has the name
//! `ID` too) and `net`. A [`Plan`] says which points: grid points named
//! by axis values, or "now" (`[context] next_release`, the next open
//! frontier release, else `open_now`), where the capability differs per
//! sample and the axis column holds each sample's.
//!
//! Values come from the engine's [`Sampler`] block by block, as Arrow record
//! batches in sample order ([`Plan::batches`]); [`write_csv`] and
//! [`write_parquet`] write each batch as it arrives, so memory holds a few
//! blocks whatever the number of samples. At grid points, net is bit for bit
//! the net that `crux run` summarises with the same seed; at the open
//! frontier now, it is the net of the report's "now" up to rounding (the same
//! rewritten model, see `crux_analysis::probe`).

#![forbid(unsafe_code)]

use arrow_array::{ArrayRef, Float64Array, RecordBatch, UInt64Array};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use crux_analysis::grid::point_at;
use crux_analysis::probe::{Capability, Probe, Quantity, probe_model};
use crux_engine::{ColumnKind, SampleBlock, Sampler, StreamError};
use crux_lang::{Diagnostic, Diagnostics, hir};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::io::Write;
use std::sync::Arc;

/// Rows per Parquet row group: each is buffered before it is written.
const ROW_GROUP_ROWS: usize = 1 << 17;

/// Where the samples are taken.
#[derive(Debug, Clone, PartialEq)]
pub enum At {
    /// "Now" for a model with `[context] next_release` or `open_now` (the
    /// report's "now"), else every grid point.
    Default,
    /// The grid points nearest these axis values.
    Values(Vec<f64>),
}

/// Where each output column comes from in a block of the sampler.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// The grid value of the point.
    Grid,
    /// A column of the sampler's blocks.
    Column(usize),
}

/// A model ready to give its samples at chosen points.
#[derive(Debug)]
pub struct Plan {
    sampler: Sampler,
    /// Grid indices of the sampler's engine.
    points: Vec<usize>,
    schema: SchemaRef,
    /// The source of each column after `sample`.
    sources: Vec<Source>,
}

/// Why samples could not be written: the model, or the output.
#[derive(Debug)]
pub enum SamplesError {
    Model(Diagnostics),
    Output(String),
}

impl From<Diagnostic> for SamplesError {
    fn from(diagnostic: Diagnostic) -> Self {
        SamplesError::Model(vec![diagnostic])
    }
}

impl From<ArrowError> for SamplesError {
    fn from(error: ArrowError) -> Self {
        SamplesError::Output(error.to_string())
    }
}

impl From<parquet::errors::ParquetError> for SamplesError {
    fn from(error: parquet::errors::ParquetError) -> Self {
        SamplesError::Output(error.to_string())
    }
}

impl From<StreamError<SamplesError>> for SamplesError {
    fn from(error: StreamError<SamplesError>) -> Self {
        match error {
            StreamError::Model(diagnostic) => diagnostic.into(),
            StreamError::Sink(error) => error,
        }
    }
}

impl Plan {
    /// The plan for `model` at `at`: which points, and the columns.
    pub fn new(model: &hir::Model, at: &At) -> Result<Plan, Diagnostics> {
        let axis = model.file.axis.as_ref().map(|axis| axis.name.name.clone());
        let open_now = model.file.outline.context.now();
        let (sampler, points, mut sources) = match (at, open_now) {
            (At::Default, Some(open_now)) => {
                // The report's own rewrite: the axis counts probes, and here the one
                // probe is net at each sample's capability of "now".
                let probe = Probe::new(Capability::Expr(open_now.expr.clone()), Quantity::Net);
                let probed = probe_model(model, &[probe])?;
                let sampler = Sampler::new(&probed)?;
                let (params, derived) = (model.params.len(), model.derived.len());
                // The probed model's derived values: the model's own, the capability
                // expression, the mechanisms' effects, then the capability chosen.
                let capability = params + derived + 1 + model.mechanisms.len();
                let mut sources: Vec<Source> = vec![Source::Column(capability)];
                sources.extend((0..params + derived).map(Source::Column));
                sources.extend((0..model.mechanisms.len()).map(|index| Source::Column(params + derived + 1 + index)));
                sources.push(Source::Column(sampler.columns().len() - 1));
                (sampler, vec![0], sources)
            }
            (at, _) => {
                let sampler = Sampler::new(model)?;
                let points = match at {
                    At::Default => (0..sampler.engine().grid().len()).collect(),
                    At::Values(values) => {
                        let mut points: Vec<usize> = Vec::with_capacity(values.len());
                        let mut diagnostics = Vec::new();
                        for value in values {
                            match point_at(model, *value) {
                                Ok(point) if !points.contains(&point) => points.push(point),
                                Ok(_) => {}
                                Err(error) => diagnostics.push(error),
                            }
                        }
                        if !diagnostics.is_empty() {
                            return Err(diagnostics);
                        }
                        points
                    }
                };
                let mut sources = vec![Source::Grid];
                sources.extend((0..sampler.columns().len()).map(Source::Column));
                (sampler, points, sources)
            }
        };
        if axis.is_none() {
            sources.remove(0);
        }
        let mut names: Vec<String> = vec!["sample".to_string()];
        names.extend(axis);
        names.extend(model.file.params.iter().map(|param| param.name.name.clone()));
        names.extend(model.file.derived.iter().map(|derived| derived.name.name.clone()));
        // Mechanisms have names of their own: one named like a param or
        // derived value (`transparency`, the value and its effect) gets `_effect`.
        let values = names.len();
        for mechanism in &model.file.mechanisms {
            let id = &mechanism.id.name;
            names.push(if names[..values].contains(id) { format!("{id}_effect") } else { id.clone() });
        }
        names.push("net".to_string());
        for (index, name) in names.iter().enumerate() {
            if names[..index].contains(name) {
                return Err(vec![
                    Diagnostic::error(format!("two columns of the samples would be called `{name}`")).with_help(
                        "the samples name a column `sample`, the axis, each param, derived value and mechanism, and `net`: rename the one that clashes",
                    ),
                ]);
            }
        }
        debug_assert_eq!(names.len(), sources.len() + 1);
        debug_assert!(sampler.columns().last().is_some_and(|column| column.kind == ColumnKind::Net));
        let mut fields = vec![Field::new("sample", DataType::UInt64, false)];
        fields.extend(names[1..].iter().map(|name| Field::new(name, DataType::Float64, false)));
        Ok(Plan { sampler, points, schema: Arc::new(Schema::new(fields)), sources })
    }

    /// The columns: names and types.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// The rows a run of `samples` gives.
    pub fn rows(&self, samples: usize) -> usize {
        samples * self.points.len()
    }

    /// Evaluates `samples` samples with `seed` and gives them to `sink` as
    /// record batches in sample order: one per block of samples, each
    /// sample's row at every chosen point before the next sample's.
    pub fn batches(
        &self,
        samples: usize,
        seed: u64,
        mut sink: impl FnMut(RecordBatch) -> Result<(), SamplesError> + Send,
    ) -> Result<(), SamplesError> {
        self.sampler.stream(samples, seed, &self.points, |block| sink(self.batch(&block)?))?;
        Ok(())
    }

    /// Every row of `samples` samples, as batches in sample order.
    pub fn collect(&self, samples: usize, seed: u64) -> Result<Vec<RecordBatch>, SamplesError> {
        let mut batches = Vec::with_capacity(samples.div_ceil(1024));
        self.batches(samples, seed, |batch| {
            batches.push(batch);
            Ok(())
        })?;
        Ok(batches)
    }

    /// One block as a record batch, rows sample by sample and, within a
    /// sample, point by point.
    fn batch(&self, block: &SampleBlock) -> Result<RecordBatch, SamplesError> {
        let points = self.points.len();
        let rows = block.lanes * points;
        let first = block.first_sample() as u64 + 1;
        let sample: Vec<u64> = (0..rows as u64).map(|row| first + row / points as u64).collect();
        let mut columns: Vec<ArrayRef> = vec![Arc::new(UInt64Array::from(sample))];
        let grid = self.sampler.engine().grid();
        for source in &self.sources {
            let values: Vec<f64> = match source {
                Source::Grid => (0..rows).map(|row| grid[self.points[row % points]]).collect(),
                Source::Column(column) => {
                    let by_point: Vec<&[f64]> = (0..points).map(|slot| block.column(slot, *column)).collect();
                    (0..rows).map(|row| by_point[row % points][row / points]).collect()
                }
            };
            columns.push(Arc::new(Float64Array::from(values)));
        }
        Ok(RecordBatch::try_new(self.schema.clone(), columns)?)
    }
}

/// Writes `samples` samples as CSV with a header line, batch by batch.
/// Numbers are written in the shortest form that reads back to the same value.
pub fn write_csv<W: Write + Send>(plan: &Plan, samples: usize, seed: u64, out: W) -> Result<W, SamplesError> {
    let mut writer = arrow_csv::WriterBuilder::new().with_header(true).build(out);
    plan.batches(samples, seed, |batch| Ok(writer.write(&batch)?))?;
    Ok(writer.into_inner())
}

/// Writes `samples` samples as Parquet (Snappy-compressed, row groups of
/// 131072 rows), batch by batch.
pub fn write_parquet<W: Write + Send>(plan: &Plan, samples: usize, seed: u64, out: W) -> Result<W, SamplesError> {
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_dictionary_enabled(false)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("crux {}", env!("CARGO_PKG_VERSION")))
        .build();
    let mut writer = ArrowWriter::try_new(out, plan.schema(), Some(properties))?;
    plan.batches(samples, seed, |batch| Ok(writer.write(&batch)?))?;
    Ok(writer.into_inner()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, UInt64Type};
    use crux_analysis::probe::run_probes;
    use crux_engine::{Engine, RunOptions};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    fn model(text: &str) -> hir::Model {
        let mut sources = crux_lang::Sources::new();
        let file = sources.add("test.toml", text);
        crux_lang::load(&mut sources, file).expect("test model loads")
    }

    fn ref_v1() -> hir::Model {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/ref-v1.toml");
        model(&std::fs::read_to_string(path).expect("bench/ref-v1.toml is in the repository"))
    }

    const WITH_NOW: &str = "[model]\nid = \"now\"\n\n[axis]\nname = \"c\"\nfrom = 20\nto = 30\nstep = 0.5\n\n[params]\nnow = \"normal({p5: 24, p95: 26})\"\nharm = \"1 to 10\"\n\n[derived]\nuplift = \"logistic(c - 25)\"\n\n[mechanisms.research]\nside = \"benefit\"\neffect = \"3\"\n\n[mechanisms.misuse]\nside = \"risk\"\neffect = \"harm * uplift\"\n\n[context]\nopen_now = \"now\"\n";

    /// A column of the batches as one vector.
    fn column(batches: &[RecordBatch], name: &str) -> Vec<f64> {
        batches
            .iter()
            .flat_map(|batch| batch.column_by_name(name).expect(name).as_primitive::<Float64Type>().values().to_vec())
            .collect()
    }

    #[test]
    fn at_a_grid_point_net_has_the_run_s_mean_and_csv_and_parquet_agree() {
        let model = ref_v1();
        let plan = Plan::new(&model, &At::Values(vec![26.0])).unwrap();
        let names: Vec<String> = plan.schema().fields().iter().map(|field| field.name().clone()).collect();
        assert_eq!(&names[..2], ["sample", "c"]);
        assert_eq!(names.last().unwrap(), "net");
        assert_eq!(names.len(), 2 + model.params.len() + model.derived.len() + model.mechanisms.len() + 1);
        let csv = write_csv(&plan, 10_000, 3, Vec::new()).unwrap();
        let parquet = write_parquet(&plan, 10_000, 3, Vec::new()).unwrap();
        let text = String::from_utf8(csv).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), names.join(","));
        let rows: Vec<Vec<f64>> =
            lines.map(|line| line.split(',').map(|cell| cell.parse::<f64>().expect(cell)).collect()).collect();
        assert_eq!(rows.len(), 10_000);
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(parquet)).unwrap().build().unwrap();
        let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
        assert_eq!(batches.iter().map(RecordBatch::num_rows).sum::<usize>(), 10_000);
        for (index, name) in names.iter().enumerate().skip(1) {
            let from_parquet = column(&batches, name);
            for (row, value) in from_parquet.iter().enumerate() {
                assert_eq!(rows[row][index].to_bits(), value.to_bits(), "{name} in row {row}");
            }
        }
        let samples: Vec<u64> =
            batches.iter().flat_map(|batch| batch.column(0).as_primitive::<UInt64Type>().values().to_vec()).collect();
        assert_eq!(samples, (1..=10_000).collect::<Vec<u64>>());
        let net = column(&batches, "net");
        let mean = net.iter().sum::<f64>() / net.len() as f64;
        let engine = Engine::new(&model).unwrap();
        let point = model.file.axis.as_ref().unwrap().nearest_index(26.0);
        let run = engine.run(&RunOptions { points: Some(&[point]), ..RunOptions::new(10_000, 3) }).unwrap();
        assert!((mean - run.net[0].mean).abs() <= 1e-9 * run.net[0].mean.abs(), "{mean} against {}", run.net[0].mean);
        assert!(column(&batches, "c").iter().all(|c| *c == 26.0));
    }

    #[test]
    fn several_points_give_each_sample_s_rows_together() {
        let names: Vec<String> =
            Plan::new(&ref_v1(), &At::Default).unwrap().schema().fields().iter().map(|f| f.name().clone()).collect();
        assert!(names.contains(&"transparency".to_string()) && names.contains(&"transparency_effect".to_string()));
        let plan = Plan::new(&ref_v1(), &At::Values(vec![24.0, 28.0, 24.01])).unwrap();
        assert_eq!(plan.rows(2_000), 4_000, "24.01 names the grid point of 24 again");
        let batches = plan.collect(2_000, 1).unwrap();
        let c = column(&batches, "c");
        assert_eq!(&c[..4], [24.0, 28.0, 24.0, 28.0]);
        let sample: Vec<u64> = batches[0].column(0).as_primitive::<UInt64Type>().values()[..4].to_vec();
        assert_eq!(sample, [1, 1, 2, 2]);
    }

    #[test]
    fn by_default_samples_are_at_the_open_frontier_now_of_each_sample() {
        let model = model(WITH_NOW);
        let plan = Plan::new(&model, &At::Default).unwrap();
        let names: Vec<String> = plan.schema().fields().iter().map(|field| field.name().clone()).collect();
        assert_eq!(names, ["sample", "c", "now", "harm", "uplift", "research", "misuse", "net"]);
        let batches = plan.collect(5_000, 7).unwrap();
        let (c, now, harm) = (column(&batches, "c"), column(&batches, "now"), column(&batches, "harm"));
        let (uplift, misuse, net) = (column(&batches, "uplift"), column(&batches, "misuse"), column(&batches, "net"));
        assert_eq!(c, now, "the capability is each sample's open frontier now");
        for i in 0..5_000 {
            assert!((uplift[i] - 1.0 / (1.0 + (25.0 - c[i]).exp())).abs() < 1e-12);
            assert!((misuse[i] - harm[i] * uplift[i]).abs() < 1e-12 * misuse[i].max(1.0));
            assert!((net[i] - (3.0 - misuse[i])).abs() < 1e-12 * net[i].abs().max(1.0));
        }
        // The report's probe of net now, sample by sample.
        let open_now = model.file.outline.context.open_now.as_ref().unwrap();
        let probe = Probe::new(Capability::Expr(open_now.expr.clone()), Quantity::Net);
        let probed = run_probes(&model, &[probe], &RunOptions::new(5_000, 7)).unwrap();
        for (a, b) in net.iter().zip(&probed.values[0]) {
            assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0));
        }
    }

    #[test]
    fn without_open_now_every_grid_point_and_without_an_axis_no_axis_column() {
        let plan = Plan::new(&ref_v1(), &At::Default).unwrap();
        assert_eq!(plan.rows(10), 610);
        let text = "[model]\nid = \"flat\"\n\n[params]\na = \"1 to 2\"\n\n[mechanisms.m]\nside = \"benefit\"\neffect = \"a\"\n";
        let flat = model(text);
        let plan = Plan::new(&flat, &At::Default).unwrap();
        let names: Vec<String> = plan.schema().fields().iter().map(|field| field.name().clone()).collect();
        assert_eq!(names, ["sample", "a", "m", "net"]);
        let error = Plan::new(&flat, &At::Values(vec![1.0])).unwrap_err();
        assert!(error[0].message.contains("no axis"));
    }

    #[test]
    fn clashing_names_and_off_axis_values_are_refused() {
        let text = "[model]\nid = \"clash\"\n\n[params]\nsample = \"1 to 2\"\n\n[mechanisms.m]\nside = \"benefit\"\neffect = \"sample\"\n";
        let error = Plan::new(&model(text), &At::Default).unwrap_err();
        assert_eq!(error[0].message, "two columns of the samples would be called `sample`");
        let error = Plan::new(&ref_v1(), &At::Values(vec![40.0, -3.0])).unwrap_err();
        assert_eq!(error.len(), 2);
    }
}
