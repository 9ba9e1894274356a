import Foundation
import JixiaoCore
import Plot

/// What the account pages show of time: Beijing time, to the minute or second.
enum AccountTime {
    static func text(_ date: Date?, seconds: Bool = false) -> String {
        guard let date else { return "从未登录" }
        let formatter = DateFormatter()
        formatter.dateFormat = seconds ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm"
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        return formatter.string(from: date)
    }
}

/// The parts the account pages share: the unit and role selects, the state label.
enum AccountParts {
    static func state(_ account: AccountStore.Account) -> String {
        account.disabled ? "停用" : account.mustChangePassword ? "启用（待修改初始密码）" : "启用"
    }

    /// The units of the manager's tree, indented by depth below the manager's own node.
    static func unitSelect(_ units: [AccountStore.Unit], selected: UUID?, base: String) -> Node<HTML.LabelContext> {
        let baseDepth = base.split(separator: "/").count
        return .select(.escaped("name", "unit"), .id("unit"), .attribute(named: "required"),
            .forEach(units) { unit in
                let depth = max(0, unit.facts.path.split(separator: "/").count - baseDepth)
                return .option(.escaped("value", unit.id.uuidString), .isSelected(unit.id == selected),
                               .escaped("label", String(repeating: "\u{3000}", count: depth) + "\(unit.name)（\(unit.code)）"))
            })
    }

    static func roleSelect(_ roles: [Role], selected: Role?) -> Node<HTML.LabelContext> {
        .select(.escaped("name", "role"), .id("role"), .attribute(named: "required"),
            .forEach(roles) { role in
                .option(.escaped("value", role.rawValue), .isSelected(role == selected), .escaped("label", role.chineseName))
            })
    }

    static let roleHelp = "审核员、审定办理下级单位的考核，只能设在有下级单位的单位；方案管理员只能设在根单位；账号管理员管理所在单位及其下级单位的账号。"

    static func problems(_ problems: [String]) -> Node<HTML.BodyContext> {
        .if(!problems.isEmpty, .ul(.class("problems"), .id("problems"), .forEach(problems) { .li(.text($0)) }))
    }
}

/// `/accounts`: the accounts of the manager's tree.
struct AccountListPage {
    let context: PageContext
    let manager: SignedIn
    let accounts: [AccountStore.Account]
    /// How many accounts the tree holds before the search.
    let total: Int
    let search: String

    var document: HTML {
        Page.document(
            title: "账号管理", context: context,
            .h1(.text("账号管理 · \(manager.unitName)及下级单位")),
            .p(.a(.href(SiteURL.accountNew), .id("new-account"), .text("新建账号")),
               .text(" · 共 \(total) 个账号" + (search.isEmpty ? "" : "，其中 \(accounts.count) 个符合“\(search)”"))),
            .form(.method(.get), .action(SiteURL.accounts), .class("noprint"),
                  .input(.type(.search), .name("q"), .id("search"), .escaped("value", search), .placeholder("姓名、用户名或单位")),
                  .button(.type(.submit), .text("查找"))),
            .div(.class("table-scroll"),
                .table(.id("accounts"), .class("cards"),
                    .tr(.th("姓名"), .th("用户名"), .th("角色"), .th("单位"), .th("状态"), .th("最近登录")),
                    .forEach(accounts) { account in
                        .tr(.escaped("data-username", account.username),
                            .td(.a(.href(SiteURL.account(account.id)), .text(account.displayName))),
                            .td(.attribute(named: "data-label", value: "用户名"), .text(account.username)),
                            .td(.attribute(named: "data-label", value: "角色"), .text(account.role.chineseName)),
                            .td(.attribute(named: "data-label", value: "单位"), .text(account.unitName)),
                            .td(.attribute(named: "data-label", value: "状态"), .escaped("class", account.disabled ? "bad" : "ok"),
                                .text(AccountParts.state(account))),
                            .td(.attribute(named: "data-label", value: "最近登录"), .text(AccountTime.text(account.lastSignInAt))))
                    })))
    }
}

/// `/accounts/new`: a new account, with what was typed when it was refused.
struct NewAccountPage {
    struct Typed: Sendable {
        var username = ""
        var displayName = ""
        var role: Role?
        var unit: UUID?
    }

    let context: PageContext
    let manager: SignedIn
    let units: [AccountStore.Unit]
    let roles: [Role]
    let typed: Typed
    let problems: [String]

    var document: HTML {
        Page.document(
            title: "新建账号", context: context,
            .h1("新建账号"),
            .p(.a(.href(SiteURL.accounts), .text("← 账号管理"))),
            .if(!problems.isEmpty, .p(.class("bad"), .text("未创建，请改正："))),
            AccountParts.problems(problems),
            .form(.method(.post), .action(SiteURL.accounts), .id("account-form"), .class("stacked"), context.csrfField,
                  .p(.label(.text("用户名 "), .input(.type(.text), .name("username"), .id("username"), .required(true), .escaped("value", typed.username),
                                                   .autocomplete(false))),
                     .span(.class("muted"), .text(" 3 至 32 个字符：英文字母开头，可含数字和 . _ -；创建后不能修改"))),
                  .p(.label(.text("姓名 "), .input(.type(.text), .name("displayName"), .id("displayName"), .required(true),
                                                 .escaped("value", typed.displayName)))),
                  .p(.label(.text("角色 "), AccountParts.roleSelect(roles, selected: typed.role))),
                  .p(.label(.text("单位 "), AccountParts.unitSelect(units, selected: typed.unit, base: manager.unitPath))),
                  .p(.class("muted"), .text(AccountParts.roleHelp)),
                  .p(.label(.text("初始密码 "), .input(.type(.text), .name("password"), .id("password"), .autocomplete(false))),
                     .span(.class("muted"), .text(" 留空则由系统生成；至少 8 个字符。首次登录时须修改"))),
                  .button(.type(.submit), .id("create"), .text("创建账号"))))
    }
}

/// `/accounts/:id`: one account, the manager's actions on it, and its log.
struct AccountPage {
    let context: PageContext
    let manager: SignedIn
    let account: AccountStore.Account
    let units: [AccountStore.Unit]
    let roles: [Role]
    let log: [AccountAuditEntry]
    let flash: String?
    let problems: [String]
    /// Why the manager may not act on this account (their own, a scheme admin's); nil when it may.
    let refusal: String?

    var document: HTML {
        let id = account.id
        return Page.document(
            title: "账号 \(account.username)", context: context,
            .h1(.text("\(account.displayName)（\(account.username)）")),
            .p(.a(.href(SiteURL.accounts), .id("back-to-accounts"), .text("← 账号管理"))),
            .unwrap(flash) { .p(.class("flash"), .id("flash"), .text($0)) },
            .if(!problems.isEmpty, .p(.class("bad"), .text("未保存："))),
            AccountParts.problems(problems),
            .table(.id("account"),
                .tr(.th("姓名"), .td(.text(account.displayName))),
                .tr(.th("用户名"), .td(.text(account.username))),
                .tr(.th("角色"), .td(.text(account.role.chineseName))),
                .tr(.th("单位"), .td(.text(account.unitName))),
                .tr(.th("状态"), .td(.id("state"), .escaped("class", account.disabled ? "bad" : "ok"), .text(AccountParts.state(account)))),
                .tr(.th("最近登录"), .td(.text(AccountTime.text(account.lastSignInAt))))),
            .unwrap(refusal, { .p(.class("muted"), .id("refusal"), .text($0)) }, else: actions(id)),
            .h2("操作记录"),
            .if(log.isEmpty, .p(.class("muted"), .text("尚无操作记录。")),
                else: .div(.class("table-scroll"), .table(.id("account-log"), .class("cards"),
                    .tr(.th("时间"), .th("操作人"), .th("操作"), .th("内容")),
                    .forEach(log) { entry in
                        .tr(.td(.text(AccountTime.text(entry.at, seconds: true))),
                            .td(.attribute(named: "data-label", value: "操作人"), .text("\(entry.actorName)（\(entry.actorUnit)，\(entry.actorUsername)）")),
                            .td(.attribute(named: "data-label", value: "操作"), .text(entry.action)),
                            .td(.attribute(named: "data-label", value: "内容"), .text(entry.detail)))
                    })))
        )
    }

    private func actions(_ id: UUID) -> Node<HTML.BodyContext> {
        .group(
            .h2("修改姓名、角色和单位"),
            .form(.method(.post), .action(SiteURL.accountAction(id, .update)), .id("update-form"), .class("stacked"), context.csrfField,
                  .p(.label(.text("姓名 "), .input(.type(.text), .name("displayName"), .id("displayName"), .required(true),
                                                 .escaped("value", account.displayName)))),
                  .p(.label(.text("角色 "), AccountParts.roleSelect(roles, selected: account.role))),
                  .p(.label(.text("单位 "), AccountParts.unitSelect(units, selected: account.unitID, base: manager.unitPath))),
                  .p(.class("muted"), .text(AccountParts.roleHelp + "保存后该账号须重新登录。")),
                  .button(.type(.submit), .id("update"), .text("保存"))),
            .h2("重置密码"),
            .form(.method(.post), .action(SiteURL.accountAction(id, .reset)), .id("reset-form"), context.csrfField,
                  .escaped("data-confirm", "重置后“\(account.displayName)”须用临时密码重新登录并修改密码。确定重置？"),
                  .label(.text("临时密码 "), .input(.type(.text), .name("password"), .id("reset-password"), .autocomplete(false),
                                                  .placeholder("留空则由系统生成"))),
                  .text(" "),
                  .button(.type(.submit), .id("reset"), .text("重置密码"))),
            .h2(account.disabled ? "启用账号" : "停用账号"),
            .if(account.disabled,
                .form(.method(.post), .action(SiteURL.accountAction(id, .enable)), context.csrfField,
                      .button(.type(.submit), .id("enable"), .text("启用账号"))),
                else: .form(.method(.post), .action(SiteURL.accountAction(id, .disable)), context.csrfField,
                        .escaped("data-confirm", "停用后“\(account.displayName)”立即退出登录，且不能再登录。确定停用？"),
                        .button(.type(.submit), .id("disable"), .class("danger"), .text("停用账号")),
                        .span(.class("muted"), .text(" 停用后该账号已登录的会话立即结束，且不能再登录；可随时重新启用。"))))
        )
    }
}

/// After a create or a reset with a password the system drew: shown once, on this answer only (never stored in the
/// session or a log), so the manager can pass it on.
struct PasswordShownPage {
    let context: PageContext
    let account: AccountStore.Account
    let heading: String
    let password: String?

    var document: HTML {
        Page.document(
            title: heading, context: context,
            .h1(.text(heading)),
            .p(.text("账号："), .strong(.text("\(account.displayName)（\(account.username)）")),
               .text("，\(account.role.chineseName)，\(account.unitName)")),
            .unwrap(password, { password in
                .group(
                    .p(.text("临时密码（只显示这一次，请立即转交本人）："), .code(.id("temporary-password"), .class("secret"), .text(password))),
                    .p(.class("muted"), .text("本人首次登录后须修改此密码。")))
            }, else: .p(.class("muted"), .text("已使用您设定的临时密码；本人首次登录后须修改。"))),
            .p(.a(.href(SiteURL.account(account.id)), .id("to-account"), .text("查看该账号")), .text(" · "),
               .a(.href(SiteURL.accounts), .text("返回账号管理")))
        )
    }
}

/// `/password`: the signed-in user's own password; the only page a session with a temporary password reaches.
struct ChangePasswordPage {
    let context: PageContext
    let forced: Bool
    let flash: String?
    let problems: [String]

    var document: HTML {
        Page.document(
            title: "修改密码", context: context,
            .h1("修改密码"),
            .if(forced, .p(.class("flash"), .id("forced"), .text("您正在使用临时密码（新账号或密码已被重置）。请先设置新密码，然后才能继续使用。"))),
            .unwrap(flash) { .p(.class("flash"), .id("flash"), .text($0)) },
            .if(!problems.isEmpty, .p(.class("bad"), .text("密码未修改："))),
            AccountParts.problems(problems),
            .form(.method(.post), .action(SiteURL.changePassword), .id("password-form"), .class("stacked"), context.csrfField,
                  .p(.label(.text("当前密码 "), .input(.type(.password), .name("current"), .id("current"), .required(true),
                                                   .attribute(named: "autocomplete", value: "current-password")))),
                  .p(.label(.text("新密码 "), .input(.type(.password), .name("new"), .id("new"), .required(true),
                                                  .attribute(named: "autocomplete", value: "new-password")))),
                  .p(.label(.text("再次输入新密码 "), .input(.type(.password), .name("repeat"), .id("repeat"), .required(true),
                                                      .attribute(named: "autocomplete", value: "new-password")))),
                  .p(.class("muted"), .text("新密码至少 \(AccountRules.minimumPasswordLength) 个字符，不能与用户名或当前密码相同。修改后，您在其他设备上的登录会结束。")),
                  .button(.type(.submit), .id("change"), .text("修改密码"))))
    }
}
