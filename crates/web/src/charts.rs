//! Small server-rendered SVG charts (bars and lines) with Chinese labels.
//! Written here so pages need no chart library and no script: the figures
//! are also in the table next to each chart, for screen readers and print.

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// Horizontal bars of rates (0..1, may exceed 1), one per label.
pub fn rate_bars(title: &str, items: &[(String, Option<f64>)]) -> String {
    let row_h = 26.0;
    let label_w = 110.0;
    let bar_w = 420.0;
    let h = 36.0 + row_h * items.len() as f64;
    let max = items.iter().filter_map(|(_, v)| *v).fold(1.0_f64, f64::max);
    let mut s = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{t}</title>",
        w = label_w + bar_w + 70.0,
        t = esc(title)
    );
    s.push_str(&format!(
        "<text x=\"0\" y=\"18\" font-size=\"14\" font-weight=\"bold\" fill=\"#1f2328\">{}</text>",
        esc(title)
    ));
    for (i, (label, v)) in items.iter().enumerate() {
        let y = 30.0 + row_h * i as f64;
        s.push_str(&format!(
            "<text x=\"{x}\" y=\"{ty}\" font-size=\"12\" text-anchor=\"end\" fill=\"#1f2328\">{l}</text>",
            x = label_w - 6.0,
            ty = y + 15.0,
            l = esc(label)
        ));
        match v {
            Some(v) => {
                let w = (v / max * bar_w).max(1.0);
                s.push_str(&format!(
                    "<rect x=\"{label_w}\" y=\"{ry}\" width=\"{w:.1}\" height=\"18\" fill=\"#0b5f4a\"/><text x=\"{tx:.1}\" y=\"{ty}\" font-size=\"12\" fill=\"#1f2328\">{p}</text>",
                    ry = y + 3.0,
                    tx = label_w + w + 4.0,
                    ty = y + 16.0,
                    p = pct(*v)
                ));
            }
            None => s.push_str(&format!(
                "<text x=\"{label_w}\" y=\"{ty}\" font-size=\"12\" fill=\"#57606a\">无数据</text>",
                ty = y + 16.0
            )),
        }
    }
    s.push_str("</svg>");
    s
}

/// A line per series over months 1..=12 (values in 万元).
pub fn month_lines(title: &str, series: &[(&str, &str, Vec<Option<f64>>)]) -> String {
    let (w, h, left, top, bottom) = (640.0, 260.0, 60.0, 30.0, 40.0);
    let plot_w = w - left - 20.0;
    let plot_h = h - top - bottom;
    let max = series
        .iter()
        .flat_map(|(_, _, v)| v.iter().flatten())
        .fold(0.0_f64, |a, b| a.max(*b))
        .max(1.0);
    let x = |m: usize| left + plot_w * (m as f64) / 11.0;
    let y = |v: f64| top + plot_h * (1.0 - v / max);
    let mut s = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{t}</title>",
        t = esc(title)
    );
    s.push_str(&format!(
        "<text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\" fill=\"#1f2328\">{}</text>",
        esc(title)
    ));
    for k in 0..=4 {
        let v = max * f64::from(k) / 4.0;
        s.push_str(&format!(
            "<line x1=\"{left}\" x2=\"{x2}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#d0d7de\"/><text x=\"{tx}\" y=\"{ty:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#57606a\">{v:.0}</text>",
            x2 = left + plot_w,
            yy = y(v),
            tx = left - 4.0,
            ty = y(v) + 4.0
        ));
    }
    for m in 0..12 {
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#57606a\">{}月</text>",
            x(m),
            top + plot_h + 18.0,
            m + 1
        ));
    }
    for (i, (name, color, values)) in series.iter().enumerate() {
        let pts: Vec<String> = values
            .iter()
            .enumerate()
            .filter_map(|(m, v)| v.map(|v| format!("{:.1},{:.1}", x(m), y(v))))
            .collect();
        if !pts.is_empty() {
            s.push_str(&format!(
                "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>",
                pts.join(" ")
            ));
        }
        s.push_str(&format!(
            "<rect x=\"{lx}\" y=\"{ly}\" width=\"12\" height=\"4\" fill=\"{color}\"/><text x=\"{tx}\" y=\"{ty}\" font-size=\"12\" fill=\"#1f2328\">{n}</text>",
            lx = left + 10.0 + 150.0 * i as f64,
            ly = h - 10.0,
            tx = left + 26.0 + 150.0 * i as f64,
            ty = h - 5.0,
            n = esc(name)
        ));
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_escape_labels_and_show_percentages() {
        let svg = rate_bars(
            "开工率",
            &[("白塔<镇>".into(), Some(0.5)), ("横溪镇".into(), None)],
        );
        assert!(svg.contains("白塔&lt;镇&gt;"));
        assert!(svg.contains("50.0%"));
        assert!(svg.contains("无数据"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn lines_skip_missing_months() {
        let mut v = vec![None; 12];
        v[0] = Some(10.0);
        v[1] = Some(20.0);
        let svg = month_lines("投资", &[("完成投资", "#0b5f4a", v)]);
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert!(svg.contains("12月"));
    }
}
