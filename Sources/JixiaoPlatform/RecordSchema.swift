import SQLKit

/// The value kinds a record column may hold. Every value is checked on ingest; none is trusted.
public enum ColumnType: Sendable, Equatable {
    /// Text of at most this many characters.
    case text(max: Int)
    /// A whole number within the range.
    case int(ClosedRange<Int64>)
    /// A date `YYYY-MM-DD`.
    case date
    /// A month `YYYY-MM`.
    case month
    /// A moment `YYYY-MM-DD HH:MM:SS` (北京时间, as the platform shows it).
    case timestamp
    /// An amount in 元 with at most two decimals, stored exactly as an integer number of 分.
    case money
    /// 0/1 (also 是/否, true/false).
    case flag
    /// One of the listed words.
    case choice([String])
}

public struct Column: Sendable {
    public let name: String
    public let type: ColumnType
    public let required: Bool
    public init(_ name: String, _ type: ColumnType, required: Bool = true) {
        self.name = name
        self.type = type
        self.required = required
    }
}

/// One kind of platform record. Every kind is append-only: a row is one version of a record, keyed by
/// (`record_id`, `changed_at`); `changed_at` is when the platform changed it, `recorded_at` when Jixiao received
/// it, `deleted` withdraws the record from that moment on. The state as of any moment is, per record id, the
/// latest version changed at or before it, unless that version is a deletion.
public struct RecordKind: Sendable {
    /// The CSV file's base name and the JSON API's `kind`.
    public let name: String
    /// The table (prefixed so the records never collide with the application's own tables).
    public let table: String
    /// 中文 name for messages.
    public let label: String
    /// The columns beyond the common ones.
    public let columns: [Column]
    /// The column naming the county the record belongs to (for scoping and per-unit metrics).
    public let unitColumn: String?
    /// The date column a period (month, year to date) is measured on, if any.
    public let dateColumn: String?

    public static let common: [Column] = [
        Column("record_id", .text(max: 64)),
        Column("changed_at", .timestamp),
        Column("deleted", .flag, required: false),
    ]

    /// Common columns then the kind's own, in table order (recorded_at is added by ingest, not read).
    public var allColumns: [Column] { Self.common + columns }

    public func column(_ name: String) -> Column? { allColumns.first { $0.name == name } }
}

public enum Records {
    static let projectText = ColumnType.text(max: 100)

    public static let units = RecordKind(
        name: "units", table: "pf_units", label: "单位",
        columns: [
            Column("name", .text(max: 100)),
            Column("parent_code", .text(max: 64), required: false),
            Column("level", .choice(["province", "city", "county"])),
        ], unitColumn: nil, dateColumn: nil)

    public static let persons = RecordKind(
        name: "persons", table: "pf_persons", label: "入库残疾人",
        columns: [
            Column("county_code", .text(max: 64)),
            Column("birth_year", .int(1900...2100)),
            Column("hukou", .choice(["农村", "城镇"])),
            Column("category", .choice(["视力", "听力", "言语", "肢体", "智力", "精神", "多重"])),
            Column("grade", .int(1...4)),
        ], unitColumn: "county_code", dateColumn: nil)

    public static let needs = RecordKind(
        name: "needs", table: "pf_needs", label: "需求",
        columns: [
            Column("person_id", .text(max: 64)),
            Column("county_code", .text(max: 64)),
            Column("kind", .text(max: 40)),
        ], unitColumn: "county_code", dateColumn: nil)

    public static let services = RecordKind(
        name: "services", table: "pf_services", label: "服务落实",
        columns: [
            Column("person_id", .text(max: 64)),
            Column("county_code", .text(max: 64)),
            Column("project", projectText),
            Column("service_date", .date),
            Column("funds", .money),
            Column("direct", .flag),
            Column("income", .flag),
            Column("funds_support", .flag),
            Column("goods_support", .flag),
            Column("training", .flag),
            Column("need_kind", .text(max: 40), required: false),
        ], unitColumn: "county_code", dateColumn: "service_date")

    public static let institutionServices = RecordKind(
        name: "institution_services", table: "pf_institution_services", label: "机构服务",
        columns: [
            Column("county_code", .text(max: 64)),
            Column("institution", .text(max: 100)),
            Column("service_date", .date),
            Column("items", .int(0...1_000_000)),
            Column("accurate_items", .int(0...1_000_000)),
        ], unitColumn: "county_code", dateColumn: "service_date")

    public static let supervisions = RecordKind(
        name: "supervisions", table: "pf_supervisions", label: "督查",
        columns: [
            Column("supervisor_code", .text(max: 64)),
            Column("county_code", .text(max: 64)),
            Column("town", .text(max: 100)),
            Column("visit_date", .date),
            Column("checked", .int(0...1_000_000)),
            Column("accurate", .int(0...1_000_000)),
        ], unitColumn: "county_code", dateColumn: "visit_date")

    public static let questions = RecordKind(
        name: "questions", table: "pf_questions", label: "能说（问题反映）",
        columns: [
            Column("person_id", .text(max: 64)),
            Column("county_code", .text(max: 64)),
            Column("asked_on", .date),
            Column("answered_on", .date, required: false),
        ], unitColumn: "county_code", dateColumn: "asked_on")

    public static let applications = RecordKind(
        name: "applications", table: "pf_applications", label: "能办（自助申办）",
        columns: [
            Column("person_id", .text(max: 64)),
            Column("county_code", .text(max: 64)),
            Column("applied_on", .date),
            Column("by_self", .flag),
            Column("satisfaction", .int(0...100)),
        ], unitColumn: "county_code", dateColumn: "applied_on")

    public static let readings = RecordKind(
        name: "readings", table: "pf_readings", label: "能看（阅读）",
        columns: [
            Column("person_id", .text(max: 64)),
            Column("county_code", .text(max: 64)),
            Column("read_on", .date),
        ], unitColumn: "county_code", dateColumn: "read_on")

    public static let tasks = RecordKind(
        name: "tasks", table: "pf_tasks", label: "项目任务",
        columns: [
            Column("county_code", .text(max: 64)),
            Column("project", projectText),
            Column("year", .int(2000...2100)),
            Column("task_count", .int(0...10_000_000)),
        ], unitColumn: "county_code", dateColumn: nil)

    public static let analysisUploads = RecordKind(
        name: "analysis_uploads", table: "pf_analysis_uploads", label: "精准分析上传",
        columns: [
            Column("unit_code", .text(max: 64)),
            Column("month", .month),
            Column("uploaded_on", .date),
        ], unitColumn: "unit_code", dateColumn: "uploaded_on")

    public static let all: [RecordKind] = [
        units, persons, needs, services, institutionServices, supervisions, questions, applications, readings,
        tasks, analysisUploads,
    ]

    public static func kind(named name: String) -> RecordKind? { all.first { $0.name == name } }

    /// Creates every record table and its indexes if missing (SQLite and PostgreSQL alike).
    public static func createTables(on db: any SQLDatabase) async throws {
        for kind in all {
            let create = db.create(table: kind.table).ifNotExists()
            for column in kind.allColumns {
                _ = create.column(column.name, type: sqlType(column.type), column.required ? [.notNull] : [])
            }
            try await create.column("recorded_at", type: .text, .notNull).primaryKey("record_id", "changed_at").run()
            try await createIndexes(kind, on: db)
        }
    }

    /// (record_id, changed_at) is the key; the state-as-of queries filter on changed_at, the metrics group by unit.
    static func createIndexes(_ kind: RecordKind, on db: any SQLDatabase) async throws {
        try await db.raw("CREATE INDEX IF NOT EXISTS \(ident: kind.table + "_changed") ON \(ident: kind.table) (changed_at)").run()
        if kind.column("person_id") != nil {
            try await db.raw("CREATE INDEX IF NOT EXISTS \(ident: kind.table + "_person") ON \(ident: kind.table) (person_id)").run()
        }
        if let unit = kind.unitColumn {
            try await db.raw("CREATE INDEX IF NOT EXISTS \(ident: kind.table + "_unit") ON \(ident: kind.table) (\(ident: unit))").run()
        }
    }

    /// PostgreSQL only: the same tables, columns, key and indexes, each declared `PARTITION BY RANGE (changed_at)`
    /// with one partition per month of `years`, one for everything before and a default one for everything after.
    ///
    /// Why by month of `changed_at` and not by city: the version key (record_id, changed_at) stays the primary key
    /// as it is (PostgreSQL requires a partitioned table's unique keys to contain the partition key, and changed_at
    /// is in it), so ingest stays idempotent with the same ON CONFLICT; by city would need a city column on every
    /// table and a key containing it, and a record moving to another county would change partition. A month's
    /// ingest writes one partition; closed months are read-only (vacuum, backup, detaching to archive are per
    /// partition); a cut-off prunes every partition after it. Tables already present are left as they are.
    public static func createPartitionedTables(on db: any SQLDatabase, years: ClosedRange<Int>) async throws {
        guard db.dialect.name == "postgresql" else {
            throw IngestError(file: "schema", row: nil, column: nil, message: "分区表只用于 PostgreSQL")
        }
        for kind in all {
            let columns = kind.allColumns.map { c in
                "\(c.name) \(isInteger(c.type) ? "BIGINT" : "TEXT")\(c.required ? " NOT NULL" : "")"
            } + ["recorded_at TEXT NOT NULL", "PRIMARY KEY (record_id, changed_at)"]
            try await db.raw(rawSQL(
                "CREATE TABLE IF NOT EXISTS \(kind.table) (\(columns.joined(separator: ", "))) PARTITION BY RANGE (changed_at)"
            )).run()
            func bound(_ y: Int, _ m: Int) -> String { String(format: "'%04d-%02d-01 00:00:00'", y, m) }
            try await db.raw(rawSQL(
                "CREATE TABLE IF NOT EXISTS \(kind.table)_before PARTITION OF \(kind.table) FOR VALUES FROM (MINVALUE) " +
                    "TO (\(bound(years.lowerBound, 1)))")).run()
            for y in years {
                for m in 1...12 {
                    let (ny, nm) = m == 12 ? (y + 1, 1) : (y, m + 1)
                    try await db.raw(rawSQL(
                        "CREATE TABLE IF NOT EXISTS \(kind.table)_\(String(format: "%04d_%02d", y, m)) PARTITION OF " +
                            "\(kind.table) FOR VALUES FROM (\(bound(y, m))) TO (\(bound(ny, nm)))")).run()
                }
            }
            try await db.raw(rawSQL("CREATE TABLE IF NOT EXISTS \(kind.table)_later PARTITION OF \(kind.table) DEFAULT")).run()
            try await createIndexes(kind, on: db)
        }
    }

    static func isInteger(_ type: ColumnType) -> Bool {
        switch type {
        case .int, .money, .flag: return true
        default: return false
        }
    }

    static func sqlType(_ type: ColumnType) -> SQLDataType {
        switch type {
        case .int, .money, .flag: return .bigint
        default: return .text
        }
    }
}

