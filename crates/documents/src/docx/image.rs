//! Photos: format detection, pixel size from the file header, and the size
//! they are shown at.

/// The picture formats Word, WPS and LibreOffice all embed natively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImageFormat {
    Jpeg,
    Png,
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

impl ImageFormat {
    /// Recognises a file by its first bytes.
    pub(crate) fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageFormat::Jpeg)
        } else if bytes.starts_with(&PNG_SIGNATURE) {
            Some(ImageFormat::Png)
        } else {
            None
        }
    }

    pub(crate) fn extension(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpeg",
            ImageFormat::Png => "png",
        }
    }

    pub(crate) fn content_type(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
        }
    }

    /// Width and height in pixels as stored in the file, if the header can
    /// be read.
    pub(crate) fn pixel_size(self, bytes: &[u8]) -> Option<(u32, u32)> {
        let size = match self {
            ImageFormat::Png => png_size(bytes),
            ImageFormat::Jpeg => jpeg_size(bytes),
        }?;
        (size.0 > 0 && size.1 > 0).then_some(size)
    }
}

fn be_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at + 2)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// The IHDR chunk is always first: signature (8), length (4), "IHDR" (4),
/// width (4), height (4).
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    Some((be_u32(bytes, 16)?, be_u32(bytes, 20)?))
}

/// Walks the JPEG markers up to the first start-of-frame segment.
fn jpeg_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        // Markers start with 0xFF, possibly padded with more 0xFF bytes.
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        while *bytes.get(at)? == 0xFF {
            at += 1;
        }
        let marker = *bytes.get(at)?;
        at += 1;
        match marker {
            // Stand-alone markers without a length.
            0x01 | 0xD0..=0xD7 => continue,
            // End of image or start of scan before any frame header.
            0xD9 | 0xDA => return None,
            // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC):
            // length (2), precision (1), height (2), width (2).
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let height = be_u16(bytes, at + 3)?;
                let width = be_u16(bytes, at + 5)?;
                return Some((u32::from(width), u32::from(height)));
            }
            _ => {
                let length = usize::from(be_u16(bytes, at)?);
                if length < 2 {
                    return None;
                }
                at += length;
            }
        }
    }
}

/// The largest size with the aspect ratio of `width_px` × `height_px`
/// that fits in `max_cx` × `max_cy` (all in EMU), never below 1 EMU.
pub(crate) fn fit(width_px: u32, height_px: u32, max_cx: u64, max_cy: u64) -> (u64, u64) {
    let (w, h) = (f64::from(width_px.max(1)), f64::from(height_px.max(1)));
    let scale = (max_cx as f64 / w).min(max_cy as f64 / h);
    let cx = ((w * scale).round() as u64).clamp(1, max_cx);
    let cy = ((h * scale).round() as u64).clamp(1, max_cy);
    (cx, cy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_and_reads_sizes() {
        let mut png = PNG_SIGNATURE.to_vec();
        png.extend_from_slice(&13u32.to_be_bytes());
        png.extend_from_slice(b"IHDR");
        png.extend_from_slice(&640u32.to_be_bytes());
        png.extend_from_slice(&480u32.to_be_bytes());
        assert_eq!(ImageFormat::sniff(&png), Some(ImageFormat::Png));
        assert_eq!(ImageFormat::Png.pixel_size(&png), Some((640, 480)));

        // SOI, APP0 (length 4 incl. itself + 2 bytes), SOF0.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xFF, 0xC0, 0x00, 0x11, 0x08,
            0x03, 0x00, 0x04, 0x00, 0x03,
        ];
        assert_eq!(ImageFormat::sniff(&jpeg), Some(ImageFormat::Jpeg));
        assert_eq!(ImageFormat::Jpeg.pixel_size(&jpeg), Some((1024, 768)));

        assert_eq!(ImageFormat::sniff(b"GIF89a"), None);
        assert_eq!(ImageFormat::Jpeg.pixel_size(&[0xFF, 0xD8, 0xFF]), None);
        assert_eq!(ImageFormat::Png.pixel_size(&PNG_SIGNATURE), None);
    }

    #[test]
    fn fits_keeping_aspect_ratio() {
        assert_eq!(fit(4000, 3000, 4000, 4000), (4000, 3000));
        assert_eq!(fit(3000, 4000, 4000, 4000), (3000, 4000));
        assert_eq!(fit(100, 50, 1000, 1000), (1000, 500));
        assert_eq!(fit(1, 100_000, 1000, 1000), (1, 1000));
    }
}
