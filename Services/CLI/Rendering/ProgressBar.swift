/// A progress bar on standard error: redrawn in place on a terminal, otherwise silent until
/// `finish` (so logs and pipes get one line, not hundreds).
struct ProgressBar {
    /// What the bar measures ("ingest", "training summer_ac").
    var title: String
    /// The total, when known.
    var total: Int?
    /// Cells of the bar.
    var width = 30
    /// Whether to draw (a terminal) — tests and pipes get none.
    var enabled = Terminal.errorIsTerminal
    private var drawn = false

    /// Creates a bar.
    init(title: String, total: Int?) {
        self.title = title
        self.total = total
    }

    /// The bar's text for `done` of `total` (`[#####-----]  50%  5/10`).
    static func text(title: String, done: Int, total: Int?, width: Int = 30) -> String {
        guard let total, total > 0 else { return "\(title) \(done)" }
        let fraction = min(1, max(0, Double(done) / Double(total)))
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let percent = Int((fraction * 100).rounded(.down))
        return "\(title) [\(bar)] \(String(repeating: " ", count: 3 - String(percent).count))\(percent)%  \(done)/\(total)"
    }

    /// Redraws the bar at `done`.
    mutating func update(_ done: Int) {
        guard enabled else { return }
        Terminal.errorRaw("\r" + Self.text(title: title, done: done, total: total, width: width) + "\u{1B}[K")
        drawn = true
    }

    /// Ends the bar's line, so that what follows starts on a line of its own.
    mutating func finish() {
        guard drawn else { return }
        Terminal.errorRaw("\n")
        drawn = false
    }
}
