// Runs a Squiggle file exported by `crux export --squiggle` and prints its
// `rows` (the net summary over the axis grid) as JSON.
//
//   node run.mjs FILE.squiggle [SAMPLES] [SEED]
//
// Exit code 1 when Squiggle reports an error (parse or run), with the error.
import { readFileSync } from "node:fs";
import { run } from "@quri/squiggle-lang";

const [file, samples = "1000", seed = "crux"] = process.argv.slice(2);
if (!file) {
  console.error("usage: node run.mjs FILE.squiggle [SAMPLES] [SEED]");
  process.exit(2);
}
const code = readFileSync(file, "utf8");
const output = await run(code, {
  environment: { sampleCount: Number(samples), xyPointLength: 1000, seed },
});
if (!output.result.ok) {
  console.error(output.result.value.toString());
  process.exit(1);
}
const rows = output.result.value.bindings.get("rows");
if (!rows) {
  console.error("the code defines no `rows`");
  process.exit(1);
}
// asJS() gives dictionaries as {vtype: "Dict", value: {...}}.
const plain = (value) => {
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, plain(v)]));
  if (value && typeof value === "object" && "vtype" in value) return plain(value.value);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
};
console.log(JSON.stringify(plain(rows.asJS())));
