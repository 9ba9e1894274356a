import JixiaoCore

/// Charts as SVG drawn on the server (no script, no CDN): they print and they render in any browser.
enum Chart {
    /// Horizontal bars, one per label, scaled to `maximum`.
    /// `places` fixes the figures' decimals (0 for counts); without it they print as scores do.
    static func bars(_ items: [(label: String, value: Fixed?)], maximum: Fixed, title: String, places: Int? = nil) -> String {
        let rowHeight = 18, labelWidth = 130, barWidth = 420
        let height = items.count * rowHeight + 30
        let top = Double(maximum.description) ?? 1
        var svg = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(labelWidth + barWidth + 60)\" height=\"\(height)\" viewBox=\"0 0 \(labelWidth + barWidth + 60) \(height)\" role=\"img\" aria-label=\"\(escapeMarkup(title))\">"
        svg += "<text x=\"0\" y=\"14\" font-size=\"13\" font-weight=\"bold\">\(escapeMarkup(title))</text>"
        for (offset, item) in items.enumerated() {
            let y = 24 + offset * rowHeight
            let value = item.value.flatMap { Double($0.description) } ?? 0
            let width = top > 0 ? max(0, min(1, value / top)) * Double(barWidth) : 0
            svg += "<text x=\"\(labelWidth - 4)\" y=\"\(y + 13)\" font-size=\"12\" text-anchor=\"end\">\(escapeMarkup(shortened(item.label)))<title>\(escapeMarkup(item.label))</title></text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 2)\" width=\"\(String(format: "%.1f", width))\" height=\"\(rowHeight - 5)\" fill=\"#b5473a\"/>"
            let figure = item.value.map { value in places.map { value.formatted(places: $0) } ?? value.formatted() } ?? "未评分"
            svg += "<text x=\"\(labelWidth + Int(width) + 4)\" y=\"\(y + 13)\" font-size=\"12\">\(figure)</text>"
        }
        return svg + "</svg>"
    }

    /// A line over periods, from 0 to `maximum`.
    static func trend(_ points: [(period: String, total: Fixed?)], maximum: Fixed, title: String) -> String {
        let width = 520, height = 180, left = 40, bottom = 30, top = 24
        let plotWidth = width - left - 20, plotHeight = height - top - bottom
        let scale = Double(maximum.description) ?? 1
        let step = points.count > 1 ? Double(plotWidth) / Double(points.count - 1) : 0
        var svg = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(escapeMarkup(title))\">"
        svg += "<text x=\"0\" y=\"14\" font-size=\"13\" font-weight=\"bold\">\(escapeMarkup(title))</text>"
        svg += "<line x1=\"\(left)\" y1=\"\(top + plotHeight)\" x2=\"\(left + plotWidth)\" y2=\"\(top + plotHeight)\" stroke=\"#999\"/>"
        svg += "<text x=\"\(left - 4)\" y=\"\(top + 4)\" font-size=\"11\" text-anchor=\"end\">\(maximum.formatted(places: 0))</text>"
        svg += "<text x=\"\(left - 4)\" y=\"\(top + plotHeight)\" font-size=\"11\" text-anchor=\"end\">0</text>"
        var path: [String] = []
        for (offset, point) in points.enumerated() {
            let x = Double(left) + step * Double(offset)
            svg += "<text x=\"\(String(format: "%.0f", x))\" y=\"\(height - 10)\" font-size=\"11\" text-anchor=\"middle\">\(escapeMarkup(point.period))</text>"
            guard let total = point.total, let value = Double(total.description), scale > 0 else { continue }
            let y = Double(top) + Double(plotHeight) * (1 - max(0, min(1, value / scale)))
            path.append(String(format: "%.1f,%.1f", x, y))
            svg += "<circle cx=\"\(String(format: "%.1f", x))\" cy=\"\(String(format: "%.1f", y))\" r=\"3\" fill=\"#8b1a1a\"/>"
            svg += "<text x=\"\(String(format: "%.1f", x))\" y=\"\(String(format: "%.1f", y - 6))\" font-size=\"11\" text-anchor=\"middle\">\(total.formatted())</text>"
        }
        if path.count > 1 { svg += "<polyline fill=\"none\" stroke=\"#8b1a1a\" stroke-width=\"2\" points=\"\(path.joined(separator: " "))\"/>" }
        return svg + "</svg>"
    }

    /// Horizontal stacked bars: one bar per label, one segment per legend entry (counts), scaled to the largest bar.
    static func stacked(_ rows: [(label: String, counts: [Int])], legend: [String], title: String) -> String {
        // Stages being worked on are drawn in warm colours; 已退回 red; 已审定 green (the last two legend entries).
        let warm = ["#d9d9d9", "#f0c36d", "#e08a4f", "#4f81bd"]
        let colour = { (offset: Int) in
            offset == legend.count - 1 ? "#5b9b55" : offset == legend.count - 2 ? "#c0504d" : warm[offset % warm.count]
        }
        let rowHeight = 18, labelWidth = 130, barWidth = 420
        let legendHeight = 20
        let height = rows.count * rowHeight + 30 + legendHeight
        let top = max(rows.map { $0.counts.reduce(0, +) }.max() ?? 1, 1)
        var svg = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(labelWidth + barWidth + 60)\" height=\"\(height)\" viewBox=\"0 0 \(labelWidth + barWidth + 60) \(height)\" role=\"img\" aria-label=\"\(escapeMarkup(title))\">"
        svg += "<text x=\"0\" y=\"14\" font-size=\"13\" font-weight=\"bold\">\(escapeMarkup(title))</text>"
        var x = 0
        for (offset, name) in legend.enumerated() {
            svg += "<rect x=\"\(x)\" y=\"22\" width=\"10\" height=\"10\" fill=\"\(colour(offset))\"/>"
            svg += "<text x=\"\(x + 13)\" y=\"31\" font-size=\"11\">\(escapeMarkup(name))</text>"
            x += 16 + name.count * 12
        }
        for (row, item) in rows.enumerated() {
            let y = 24 + legendHeight + row * rowHeight
            svg += "<text x=\"\(labelWidth - 4)\" y=\"\(y + 13)\" font-size=\"12\" text-anchor=\"end\">\(escapeMarkup(item.label))</text>"
            var left = Double(labelWidth)
            for (offset, count) in item.counts.enumerated() where count > 0 {
                let width = Double(count) / Double(top) * Double(barWidth)
                svg += "<rect x=\"\(String(format: "%.1f", left))\" y=\"\(y + 2)\" width=\"\(String(format: "%.1f", width))\" height=\"\(rowHeight - 5)\" fill=\"\(colour(offset))\"><title>\(escapeMarkup(legend.indices.contains(offset) ? legend[offset] : "")) \(count)</title></rect>"
                left += width
            }
            svg += "<text x=\"\(String(format: "%.0f", left + 4))\" y=\"\(y + 13)\" font-size=\"12\">\(item.counts.reduce(0, +))</text>"
        }
        return svg + "</svg>"
    }

    /// A label that fits the 130-pixel label column (about ten CJK characters), the whole text in its tooltip.
    static func shortened(_ label: String, limit: Int = 10) -> String {
        label.count <= limit ? label : String(label.prefix(limit - 1)) + "…"
    }
}
