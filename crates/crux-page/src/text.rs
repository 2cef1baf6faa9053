//! Reading a page's bytes into clean text: refusing binary files, repairing
//! the usual damage of pages that travelled between systems (a byte-order
//! mark, CRLF line ends, UTF-8 that was read as Windows-1252 and saved again,
//! a file saved in Windows-1252 itself), and saying what was repaired.

/// The largest page Crux imports. Knowledge-base pages are tens of
/// kilobytes; a page this large is almost certainly not one.
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// Clean page text and what was done to it.
#[derive(Debug, Clone, PartialEq)]
pub struct CleanText {
    pub text: String,
    pub repairs: Vec<Repair>,
}

/// One kind of repair, with the byte offset (in the clean text) of its first
/// occurrence when it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct Repair {
    pub offset: Option<usize>,
    pub message: String,
    pub help: Option<String>,
}

/// Why bytes are not a page.
#[derive(Debug, Clone, PartialEq)]
pub struct NotText {
    pub message: String,
    pub help: String,
}

/// Windows-1252 bytes 0x80 to 0x9F. The five bytes the code page leaves
/// undefined are kept as the C1 control characters of the same value, which is
/// what decoders produce for them.
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘', '’',
    '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

/// The character a Windows-1252 byte stands for.
fn cp1252_char(byte: u8) -> char {
    match byte {
        0x80..=0x9f => CP1252_HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

/// The Windows-1252 byte of a character, if it has one.
fn cp1252_byte(ch: char) -> Option<u8> {
    match u32::from(ch) {
        code @ (0..=0x7f | 0xa0..=0xff) => u8::try_from(code).ok(),
        _ => CP1252_HIGH.iter().position(|&high| high == ch).and_then(|index| u8::try_from(0x80 + index).ok()),
    }
}

/// Decodes and repairs a page's bytes.
pub fn clean(bytes: &[u8]) -> Result<CleanText, NotText> {
    if bytes.len() > MAX_PAGE_BYTES {
        return Err(NotText {
            message: format!(
                "the page is {:.1} MB; pages larger than {} MB are not imported",
                bytes.len() as f64 / 1e6,
                MAX_PAGE_BYTES / (1024 * 1024)
            ),
            help: "a knowledge-base page is tens of kilobytes: check that this is the page you meant".to_string(),
        });
    }
    if bytes.contains(&0) {
        return Err(NotText {
            message: "the file is binary (it contains NUL bytes), not a Markdown page".to_string(),
            help: "give the page's .md file".to_string(),
        });
    }
    let mut repairs = Vec::new();
    let mut text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(error) => {
            repairs.push(Repair {
                offset: None,
                message: format!(
                    "the page is not UTF-8 (byte {} is invalid); it was read as Windows-1252",
                    error.valid_up_to()
                ),
                help: Some("save the page as UTF-8".to_string()),
            });
            bytes.iter().map(|&byte| cp1252_char(byte)).collect()
        }
    };
    // C0 control characters (not C1: those appear in mojibake) mark binary data.
    let controls =
        text.chars().filter(|&ch| (ch < ' ' || ch == '\u{7f}') && !matches!(ch, '\n' | '\r' | '\t' | '\u{c}')).count();
    if controls * 20 > text.chars().count().max(1) {
        return Err(NotText {
            message: "the file is binary (most of it is control characters), not a Markdown page".to_string(),
            help: "give the page's .md file".to_string(),
        });
    }
    if let Some(rest) = text.strip_prefix('\u{feff}') {
        text = rest.to_string();
    }
    if text.contains('\r') {
        text = text.replace("\r\n", "\n").replace('\r', "\n");
    }
    if let Some(repair) = repair_mojibake(&mut text) {
        repairs.push(repair);
    }
    if text.trim().is_empty() {
        return Err(NotText {
            message: "the page is empty".to_string(),
            help: "a page has frontmatter (`---`, `title: ...`, `---`) and Markdown".to_string(),
        });
    }
    Ok(CleanText { text, repairs })
}

/// Replaces every sequence of characters that is the Windows-1252 reading of
/// a UTF-8 multi-byte character (`â€”` for `—`) by that character.
fn repair_mojibake(text: &mut String) -> Option<Repair> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = String::with_capacity(text.len());
    let mut first: Option<(usize, String, char)> = None;
    let mut count = 0usize;
    let mut index = 0;
    while index < chars.len() {
        let (start, ch) = chars[index];
        if let Some((decoded, length)) = mojibake_at(&chars[index..]) {
            if first.is_none() {
                let end = chars.get(index + length).map_or(text.len(), |(offset, _)| *offset);
                first = Some((out.len(), text[start..end].to_string(), decoded));
            }
            count += 1;
            out.push(decoded);
            index += length;
        } else {
            out.push(ch);
            index += 1;
        }
    }
    let (offset, broken, fixed) = first?;
    *text = out;
    Some(Repair {
        offset: Some(offset),
        message: format!(
            "repaired {count} mojibake character{} (UTF-8 read as Windows-1252), such as `{broken}` -> `{fixed}`",
            if count == 1 { "" } else { "s" }
        ),
        help: Some("check the repaired text, and save the page as UTF-8".to_string()),
    })
}

/// If `chars` starts with the Windows-1252 reading of one UTF-8 multi-byte
/// character, that character and how many characters its reading takes.
fn mojibake_at(chars: &[(usize, char)]) -> Option<(char, usize)> {
    let lead = cp1252_byte(chars.first()?.1)?;
    let length = match lead {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return None,
    };
    let mut bytes = [0u8; 4];
    bytes[0] = lead;
    for (slot, (_, ch)) in bytes[1..length].iter_mut().zip(chars.get(1..length)?) {
        let byte = cp1252_byte(*ch)?;
        if !(0x80..=0xbf).contains(&byte) {
            return None;
        }
        *slot = byte;
    }
    let decoded = std::str::from_utf8(&bytes[..length]).ok()?;
    let ch = decoded.chars().next()?;
    Some((ch, length))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_an_em_dash_read_as_windows_1252() {
        let clean = clean("a \"thing\"â€”it's".as_bytes()).unwrap();
        assert_eq!(clean.text, "a \"thing\"—it's");
        assert_eq!(clean.repairs.len(), 1);
        assert!(clean.repairs[0].message.contains("`â€”` -> `—`"), "{}", clean.repairs[0].message);
        assert_eq!(clean.repairs[0].offset, Some(9));
    }

    #[test]
    fn repairs_quotes_whose_third_byte_is_undefined_in_windows_1252() {
        // U+201D is E2 80 9D; 0x9D is undefined in Windows-1252 and decodes to U+009D.
        let clean = clean("â€œyesâ€\u{9d} and cafÃ©".as_bytes()).unwrap();
        assert_eq!(clean.text, "“yes” and café");
        assert!(clean.repairs[0].message.starts_with("repaired 3 mojibake characters"));
    }

    #[test]
    fn leaves_real_latin_1_text_alone() {
        let clean = clean("café, naïve, Ã  la carte".as_bytes()).unwrap();
        assert_eq!(clean.text, "café, naïve, Ã  la carte");
        assert!(clean.repairs.is_empty());
    }

    #[test]
    fn crlf_and_bom_are_normalised_without_a_warning() {
        let clean = clean(b"\xef\xbb\xbf---\r\ntitle: x\r\n---\r\nbody\r\n").unwrap();
        assert_eq!(clean.text, "---\ntitle: x\n---\nbody\n");
        assert!(clean.repairs.is_empty());
    }

    #[test]
    fn windows_1252_files_are_decoded_with_a_warning() {
        let clean = clean(b"it\x92s \x93quoted\x94 \x97 yes").unwrap();
        assert_eq!(clean.text, "it’s “quoted” — yes");
        assert!(clean.repairs[0].message.contains("not UTF-8"));
    }

    #[test]
    fn binary_empty_and_huge_files_are_refused() {
        assert!(clean(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap_err().message.contains("binary"));
        assert!(clean(&[1u8, 2, 3, 4, 5, 6, 7, 8, b'a']).unwrap_err().message.contains("binary"));
        assert!(clean(b"  \n\n\t ").unwrap_err().message.contains("empty"));
        let huge = vec![b'a'; MAX_PAGE_BYTES + 1];
        assert!(clean(&huge).unwrap_err().message.contains("MB"));
    }
}
