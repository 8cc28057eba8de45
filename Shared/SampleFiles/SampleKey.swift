/// The sample key rule, the one place it is written: ingest, inference and the gateway's
/// labelling oracle all name a CSV row by it, so a label looked up by key finds its row.
///
/// - A file with a `key` column: the row's value in that column.
/// - Otherwise: `<file name without extension>:<1-based data row number>`; row 3 of
///   `round-1.csv` is `round-1:3` (the header is not a data row; empty lines are not counted).
public enum SampleKey {
    /// The column whose values are keys when a file has it.
    public static let column = "key"

    /// The key of one data row.
    /// - Parameters:
    ///   - fileStem: The file's name without folder and extension (`round-1` for `data/round-1.csv`).
    ///   - dataRow: The row's 1-based number among the data rows.
    ///   - keyValue: The row's value in the `key` column, when the file has one.
    /// - Returns: `keyValue` when given and not empty, else `fileStem:dataRow`.
    public static func key(fileStem: String, dataRow: Int, keyValue: String?) -> String {
        if let keyValue, !keyValue.isEmpty { return keyValue }
        return "\(fileStem):\(dataRow)"
    }

    /// A file's name without its folder and its last extension (`data/round-1.csv` → `round-1`).
    public static func stem(ofPath path: String) -> String {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    /// The key a client gave, from the key a sample was stored under: edge nodes store the
    /// samples they upload as `<node>/<client key>` (docs/edge.md), cloud ingest as the key itself.
    /// - Returns: The part after the first `/`, or the key when it has none.
    public static func clientKey(ofStored key: String) -> String {
        guard let slash = key.firstIndex(of: "/") else { return key }
        return String(key[key.index(after: slash)...])
    }
}
