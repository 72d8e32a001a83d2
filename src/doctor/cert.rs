//! Just enough DER to name a certificate's issuer (`CN=…, O=…`) for the doctor's TLS line.

/// One DER TLV: `(tag, content, rest)`.
fn tlv(buf: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = buf.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const OID_CN: &[u8] = &[0x55, 0x04, 0x03];
const OID_O: &[u8] = &[0x55, 0x04, 0x0a];

fn string_value(tag: u8, bytes: &[u8]) -> Option<String> {
    match tag {
        // UTF8String, PrintableString, T61String, IA5String
        0x0c | 0x13 | 0x14 | 0x16 => Some(String::from_utf8_lossy(bytes).into_owned()),
        // BMPString (UTF-16BE)
        0x1e => {
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

/// `CN=…, O=…` of a Name.
fn name_text(mut name: &[u8]) -> Option<String> {
    let mut parts = Vec::new();
    while let Some((SET, set, rest)) = tlv(name) {
        name = rest;
        let mut set = set;
        while let Some((SEQUENCE, atv, rest)) = tlv(set) {
            set = rest;
            let Some((OID, oid, value)) = tlv(atv) else {
                continue;
            };
            let label = match oid {
                OID_CN => "CN",
                OID_O => "O",
                _ => continue,
            };
            if let Some((tag, bytes, _)) = tlv(value) {
                if let Some(text) = string_value(tag, bytes) {
                    parts.push(format!("{label}={text}"));
                }
            }
        }
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The issuer of a DER certificate, as `CN=…, O=…`; `None` when it cannot be read.
pub fn issuer(der: &[u8]) -> Option<String> {
    let (SEQUENCE, cert, _) = tlv(der)? else {
        return None;
    };
    let (SEQUENCE, tbs, _) = tlv(cert)? else {
        return None;
    };
    let mut rest = tbs;
    // [0] EXPLICIT version, optional.
    if let Some((0xa0, _, after)) = tlv(rest) {
        rest = after;
    }
    let (_serial, _, rest) = tlv(rest)?;
    let (_signature, _, rest) = tlv(rest)?;
    let (SEQUENCE, issuer, _) = tlv(rest)? else {
        return None;
    };
    name_text(issuer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_issuer_of_a_generated_certificate() {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params =
            rcgen::CertificateParams::new(vec!["upstream.test".to_string()]).expect("params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Corp Inspection CA");
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "Example Corp");
        let cert = params.self_signed(&key).expect("cert");
        let text = issuer(cert.der()).expect("issuer");
        assert!(text.contains("CN=Corp Inspection CA"), "{text}");
        assert!(text.contains("O=Example Corp"), "{text}");
        assert_eq!(issuer(b"\x30\x03\x02\x01"), None);
        assert_eq!(issuer(&[]), None);
    }
}
