//! Reads what `gdbus call` prints (GVariant text format) well enough for the dbusmenu layout, the
//! bus's name list and a connection's pid: tuples, arrays, dictionaries, variants, strings, numbers,
//! booleans, with type annotations (`uint32 3`, `@av []`) skipped.

/// A parsed GVariant value.
#[derive(Clone, Debug, PartialEq)]
pub enum GValue {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Tuple(Vec<GValue>),
    Array(Vec<GValue>),
    Dict(Vec<(GValue, GValue)>),
    Variant(Box<GValue>),
}

impl GValue {
    /// The value inside any number of variant boxes.
    pub fn unboxed(&self) -> &GValue {
        match self {
            GValue::Variant(inner) => inner.unboxed(),
            other => other,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.unboxed() {
            GValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self.unboxed() {
            GValue::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.unboxed() {
            GValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Elements of a tuple or an array.
    pub fn items(&self) -> &[GValue] {
        match self.unboxed() {
            GValue::Tuple(v) | GValue::Array(v) => v,
            _ => &[],
        }
    }

    /// A dictionary's value for a string key.
    pub fn get(&self, key: &str) -> Option<&GValue> {
        match self.unboxed() {
            GValue::Dict(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Parses one GVariant text value (the whole input).
pub fn parse(text: &str) -> Result<GValue, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    let v = p.value()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.error("trailing text"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

const TYPE_KEYWORDS: &[&str] = &[
    "boolean",
    "byte",
    "int16",
    "uint16",
    "int32",
    "uint32",
    "int64",
    "uint64",
    "handle",
    "double",
    "string",
    "objectpath",
    "signature",
];

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        let end = (self.i + 40).min(self.s.len());
        format!(
            "GVariant text: {what} at byte {}: {:?}",
            self.i,
            String::from_utf8_lossy(&self.s[self.i..end])
        )
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Result<(), String> {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected {:?}", c as char)))
        }
    }

    fn word(&self) -> &str {
        let start = self.i;
        let mut end = start;
        while end < self.s.len() && (self.s[end].is_ascii_alphanumeric() || self.s[end] == b'_') {
            end += 1;
        }
        std::str::from_utf8(&self.s[start..end]).unwrap_or_default()
    }

    /// Skips `@type ` annotations and type keywords (`uint32 `).
    fn skip_annotations(&mut self) {
        loop {
            self.ws();
            if self.peek() == Some(b'@') {
                while self.i < self.s.len() && !self.s[self.i].is_ascii_whitespace() {
                    self.i += 1;
                }
                continue;
            }
            let w = self.word();
            if TYPE_KEYWORDS.contains(&w)
                && self
                    .s
                    .get(self.i + w.len())
                    .is_some_and(|c| c.is_ascii_whitespace())
            {
                self.i += w.len();
                continue;
            }
            return;
        }
    }

    fn value(&mut self) -> Result<GValue, String> {
        self.skip_annotations();
        match self.peek() {
            Some(b'(') => self.seq(b'(', b')').map(GValue::Tuple),
            Some(b'[') => self.seq(b'[', b']').map(GValue::Array),
            Some(b'{') => self.dict(),
            Some(b'<') => {
                self.i += 1;
                let inner = self.value()?;
                self.eat(b'>')?;
                Ok(GValue::Variant(Box::new(inner)))
            }
            Some(q @ (b'\'' | b'"')) => self.string(q).map(GValue::Str),
            Some(c) if c == b'-' || c == b'+' || c.is_ascii_digit() => self.number(),
            Some(_) => {
                let w = self.word().to_string();
                match w.as_str() {
                    "true" | "false" => {
                        self.i += w.len();
                        Ok(GValue::Bool(w == "true"))
                    }
                    _ => Err(self.error("unexpected token")),
                }
            }
            None => Err(self.error("unexpected end")),
        }
    }

    fn seq(&mut self, open: u8, close: u8) -> Result<Vec<GValue>, String> {
        self.eat(open)?;
        let mut out = Vec::new();
        loop {
            self.ws();
            if self.peek() == Some(close) {
                self.i += 1;
                return Ok(out);
            }
            out.push(self.value()?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(c) if c == close => {}
                _ => return Err(self.error("expected ',' or the closing bracket")),
            }
        }
    }

    fn dict(&mut self) -> Result<GValue, String> {
        self.eat(b'{')?;
        let mut out = Vec::new();
        loop {
            self.ws();
            if self.peek() == Some(b'}') {
                self.i += 1;
                return Ok(GValue::Dict(out));
            }
            let k = self.value()?;
            self.eat(b':')?;
            let v = self.value()?;
            out.push((k, v));
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {}
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn string(&mut self, quote: u8) -> Result<String, String> {
        self.i += 1;
        let mut bytes = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error("unterminated string"));
            };
            self.i += 1;
            if c == quote {
                break;
            }
            if c != b'\\' {
                bytes.push(c);
                continue;
            }
            let Some(e) = self.peek() else {
                return Err(self.error("unterminated escape"));
            };
            self.i += 1;
            match e {
                b'n' => bytes.push(b'\n'),
                b't' => bytes.push(b'\t'),
                b'r' => bytes.push(b'\r'),
                b'b' => bytes.push(8),
                b'f' => bytes.push(12),
                b'v' => bytes.push(11),
                b'u' | b'U' => {
                    let n = if e == b'u' { 4 } else { 8 };
                    let hex = std::str::from_utf8(self.s.get(self.i..self.i + n).unwrap_or(&[]))
                        .unwrap_or_default()
                        .to_string();
                    let ch = u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .ok_or_else(|| self.error("bad unicode escape"))?;
                    self.i += n;
                    let mut buf = [0u8; 4];
                    bytes.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                other => bytes.push(other),
            }
        }
        String::from_utf8(bytes).map_err(|_| self.error("string is not UTF-8"))
    }

    fn number(&mut self) -> Result<GValue, String> {
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric() || b"+-.".contains(&self.s[self.i]))
        {
            self.i += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or_default();
        if let Some(hex) = text.strip_prefix("0x") {
            return i64::from_str_radix(hex, 16)
                .map(GValue::Int)
                .map_err(|_| self.error("bad number"));
        }
        if let Ok(i) = text.parse::<i64>() {
            return Ok(GValue::Int(i));
        }
        text.parse::<f64>()
            .map(GValue::Float)
            .map_err(|_| self.error("bad number"))
    }
}

/// One dbusmenu item (the root has id 0 and no label).
#[derive(Clone, Debug, PartialEq)]
pub struct MenuItem {
    pub id: i64,
    pub label: String,
    pub enabled: bool,
    pub separator: bool,
    /// `toggle-state` of a check item: 1 checked, 0 not.
    pub toggle: Option<i64>,
    pub children: Vec<MenuItem>,
}

impl MenuItem {
    /// Whether a check item is checked (`None` for other items).
    pub fn checked(&self) -> Option<bool> {
        self.toggle.map(|t| t == 1)
    }

    /// Every item with this label, depth first.
    pub fn all_with_label<'a>(&'a self, label: &str, out: &mut Vec<&'a MenuItem>) {
        for c in &self.children {
            if c.label == label {
                out.push(c);
            }
            c.all_with_label(label, out);
        }
    }

    /// The one item with this label; panics (with the layout) if there is none or more than one.
    pub fn find(&self, label: &str) -> &MenuItem {
        let mut found = Vec::new();
        self.all_with_label(label, &mut found);
        match found.as_slice() {
            [one] => one,
            [] => panic!("no menu item labelled {label:?} in\n{}", self.render()),
            _ => panic!(
                "several menu items labelled {label:?} in\n{}",
                self.render()
            ),
        }
    }

    /// The labels of the checked items directly below this one.
    pub fn checked_children(&self) -> Vec<&str> {
        self.children
            .iter()
            .filter(|c| c.checked() == Some(true))
            .map(|c| c.label.as_str())
            .collect()
    }

    /// The one item with this label, if there is exactly one.
    pub fn get(&self, label: &str) -> Option<&MenuItem> {
        let mut found = Vec::new();
        self.all_with_label(label, &mut found);
        match found.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// An indented listing: `[x] Direct (#27)`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_into(0, &mut out);
        out
    }

    fn render_into(&self, depth: usize, out: &mut String) {
        for c in &self.children {
            let mark = match (c.separator, c.checked()) {
                (true, _) => "----".to_string(),
                (_, Some(true)) => "[x] ".to_string(),
                (_, Some(false)) => "[ ] ".to_string(),
                _ => "    ".to_string(),
            };
            let off = if c.enabled { "" } else { " (disabled)" };
            out.push_str(&format!(
                "{}{mark}{} (#{}){off}\n",
                "  ".repeat(depth),
                c.label,
                c.id
            ));
            c.render_into(depth + 1, out);
        }
    }
}

fn menu_item(v: &GValue) -> Result<MenuItem, String> {
    let parts = v.items();
    let [id, props, children] = parts else {
        return Err(format!("a menu item is (id, props, children): {v:?}"));
    };
    let children = children
        .items()
        .iter()
        .map(menu_item)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(MenuItem {
        id: id.as_int().ok_or("item id is not a number")?,
        label: props
            .get("label")
            .and_then(|l| l.as_str())
            .unwrap_or_default()
            .to_string(),
        enabled: props
            .get("enabled")
            .and_then(|e| e.as_bool())
            .unwrap_or(true),
        separator: props.get("type").and_then(|t| t.as_str()) == Some("separator"),
        toggle: props.get("toggle-state").and_then(|t| t.as_int()),
        children,
    })
}

/// `GetLayout`'s reply, `(uint32 revision, (0, {…}, [<(id, {…}, [...])>, …]))`: the revision and
/// the root item.
pub fn parse_layout(text: &str) -> Result<(i64, MenuItem), String> {
    let v = parse(text.trim())?;
    let [revision, root] = v.items() else {
        return Err(format!("GetLayout reply is (revision, layout): {text}"));
    };
    Ok((
        revision.as_int().ok_or("revision is not a number")?,
        menu_item(root)?,
    ))
}

#[test]
fn parses_a_dbusmenu_layout_as_gdbus_prints_it() {
    let text = "(uint32 4, (0, {'children-display': <'submenu'>}, [<(24, {'enabled': <false>, \
        'label': <'Running on 127.0.0.1:8788'>}, @av [])>, <(25, {'enabled': <true>, 'type': \
        <'separator'>}, @av [])>, <(26, {'children-display': <'submenu'>, 'label': <'Outbound \
        proxy'>}, [<(27, {'toggle-state': <1>, 'toggle-type': <'checkmark'>, 'label': \
        <'Direct'>}, @av [])>, <(28, {'toggle-state': <0>, 'toggle-type': <'checkmark'>, \
        'label': <\"It's \\u00e9\">}, @av [])>])>, <(39, {'label': <'Open log…'>}, @av [])>]))\n";
    let (revision, root) = parse_layout(text).expect("parse");
    assert_eq!(revision, 4);
    assert_eq!(root.children[0].label, "Running on 127.0.0.1:8788");
    assert!(!root.children[0].enabled);
    assert!(root.children[1].separator);
    let proxy = root.find("Outbound proxy");
    assert_eq!(proxy.children.len(), 2);
    assert_eq!(root.find("Direct").checked(), Some(true));
    assert_eq!(root.find("It's é").checked(), Some(false));
    assert_eq!(root.find("Open log…").id, 39);
    assert!(
        root.render().contains("  [x] Direct (#27)"),
        "{}",
        root.render()
    );
}

#[test]
fn parses_name_lists_and_numbers() {
    let v = parse("(['org.freedesktop.DBus', ':1.7'],)").expect("names");
    let names: Vec<_> = v.items()[0]
        .items()
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    assert_eq!(names, ["org.freedesktop.DBus", ":1.7"]);
    assert_eq!(
        parse("(uint32 14136,)").expect("pid").items()[0].as_int(),
        Some(14136)
    );
    assert_eq!(parse("()").expect("unit"), GValue::Tuple(vec![]));
    assert_eq!(parse("-1").expect("neg"), GValue::Int(-1));
    assert!(parse("(1, 2").is_err());
}
