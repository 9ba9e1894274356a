import Fluent
import Foundation
import JixiaoCore
import Vapor

/// The production counterpart of the demo: a first start without `--demo` needs one account to sign in with and
/// nothing else. That account's password must never be one anybody could read in the code, the README or a log,
/// so it comes from the operator (`JIXIAO_ADMIN_PASSWORD`) or is drawn at random and shown once.
public enum FirstStart {
    public static let adminUsername = "admin"
    public static let defaultRootCode = "0"
    public static let defaultRootName = "本单位"
    public static let defaultRootKind = "省"
    /// The kinds a root unit may have: those of the org import.
    public static var kinds: [String] { OrgImport.kinds }
    /// Shorter operator passwords are refused: the account can change every scheme.
    public static let minimumPasswordLength = 8

    /// Creates the scheme-admin account when the database holds no account at all (on the root unit named by the
    /// settings, created when the org tree is empty); returns whether it did.
    @discardableResult
    static func createAdminIfNoAccount(_ settings: ServerSettings, on database: any Database, logger: Logger,
                                       console: (String) -> Void = FirstStart.show) async throws -> Bool {
        guard try await User.query(on: database).count() == 0 else { return false }
        let supplied = settings.adminPassword.flatMap { $0.isEmpty ? nil : $0 }
        if let supplied, supplied.count < minimumPasswordLength {
            throw StartupProblem("环境变量 JIXIAO_ADMIN_PASSWORD 太短：至少 \(minimumPasswordLength) 个字符")
        }
        let password = supplied ?? randomPassword()
        let hash = try Bcrypt.hash(password)
        let unit = try await database.transaction { db -> OrgUnit in
            let roots = try await OrgUnit.query(on: db).filter(\.$parent.$id == nil).sort(\.$path).all()
            if let root = roots.first(where: { $0.code == settings.rootUnitCode }) { return root }
            if roots.count == 1, let root = roots.first { return root }
            if roots.count > 1 {
                // Which tree the admin manages is the operator's choice, never an accident of sort order.
                let named = roots.prefix(5).map { "\($0.code) \($0.name)" }.joined(separator: "、")
                throw StartupProblem("数据库中有 \(roots.count) 个根单位（\(named)\(roots.count > 5 ? " 等" : "")），"
                    + "没有代码为 “\(settings.rootUnitCode)” 的：请用 --root-code 或环境变量 JIXIAO_ROOT_UNIT_CODE 指明管理员所在的根单位")
            }
            let code = settings.rootUnitCode.trimmingCharacters(in: .whitespaces)
            guard !code.isEmpty, !code.contains("/") else {
                throw StartupProblem("根单位代码 “\(settings.rootUnitCode)” 无效：不能为空，也不能含 /")
            }
            guard OrgImport.kinds.contains(settings.rootUnitKind) else {
                throw StartupProblem("根单位类型 “\(settings.rootUnitKind)” 无效：应为 \(OrgImport.kinds.joined(separator: "、")) 之一")
            }
            let root = OrgUnit(id: UUID(), code: code, name: settings.rootUnitName, kind: settings.rootUnitKind, parentID: nil,
                               path: "/\(code)/")
            try await root.create(on: db)
            return root
        }
        // The first password was on a console or in an environment file: it is changed at the first sign-in.
        try await User(username: adminUsername, displayName: "方案管理员", passwordHash: hash, role: .schemeAdmin,
                       unitID: try unit.requireID(), mustChangePassword: true).create(on: database)
        if supplied != nil {
            logger.notice("首次启动：已创建方案管理员账号 \(adminUsername)（单位：\(unit.name)），密码取自环境变量 JIXIAO_ADMIN_PASSWORD")
        } else {
            // Straight to the console, not through the logger: log handlers may ship lines elsewhere and keep them.
            console("""
                首次启动：已创建方案管理员账号 \(adminUsername)（单位：\(unit.name)），初始密码：\(password)
                此密码只显示这一次，数据库中只存其哈希；请立即记下。
                """)
        }
        return true
    }

    /// 16 characters from an alphabet without look-alikes (0/O, 1/l/I), from the system's secure generator:
    /// about 93 bits.
    static func randomPassword() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet[Int.random(in: alphabet.indices, using: &generator)] })
    }

    static func show(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
