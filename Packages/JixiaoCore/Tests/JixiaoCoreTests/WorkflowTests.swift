import Testing
@testable import JixiaoCore

@Suite struct WorkflowTests {
    let workflow = Workflow(schemeStages: ["自评分"])
    let county = Actor(role: .filler, reach: .own)
    let city = Actor(role: .reviewer, reach: .below)
    let province = Actor(role: .approver, reach: .below)

    @Test func aSingleStageSchemeRunsTheDefaultThree() {
        #expect(workflow.stages == ["自评", "初评", "审定"])
        #expect(Workflow(schemeStages: ["自评分", "初评分", "审定考核分"]).stages.count == 3)
        #expect(workflow.role(at: 0) == .filler && workflow.role(at: 1) == .reviewer && workflow.role(at: 2) == .approver)
    }

    @Test func theWholeWayThroughLocksAtApproval() throws {
        var state = WorkflowState()
        state = try workflow.apply(.save, to: state, by: county)
        state = try workflow.apply(.submit, to: state, by: county)
        #expect(state == WorkflowState(stage: 1, status: .editing))
        state = try workflow.apply(.sendBack, to: state, by: city)
        #expect(state == WorkflowState(stage: 0, status: .returned))
        state = try workflow.apply(.submit, to: state, by: county)
        state = try workflow.apply(.submit, to: state, by: city)
        state = try workflow.apply(.approve, to: state, by: province)
        #expect(state.status == .approved)
        for action in WorkflowAction.allCases where action != .reopen {
            #expect(throws: WorkflowError.self) { try workflow.apply(action, to: state, by: province) }
        }
        #expect(workflow.actions(for: province, at: state) == [.reopen])
    }

    @Test func anApprovalReopensAtTheLastStage_onlyByTheApprovingLevelOrAbove() throws {
        let approved = WorkflowState(stage: 2, status: .approved)
        #expect(try workflow.apply(.reopen, to: approved, by: province) == WorkflowState(stage: 2, status: .editing))
        // Not by the city's reviewer, the county, a leader, nor an approver of the subject's own node.
        for actor in [city, county, Actor(role: .leader, reach: .below), Actor(role: .approver, reach: .own)] {
            #expect(throws: WorkflowError.self) { try workflow.apply(.reopen, to: approved, by: actor) }
        }
        // Only what is approved reopens; and both steps that need one ask for a written reason.
        #expect(throws: WorkflowError.self) { try workflow.apply(.reopen, to: WorkflowState(stage: 2), by: province) }
        #expect(WorkflowAction.reopen.needsComment && WorkflowAction.sendBack.needsComment && !WorkflowAction.approve.needsComment)
    }

    @Test func nobodyWorksOutsideTheirStageOrTheirTree() {
        let atReview = WorkflowState(stage: 1)
        #expect(throws: WorkflowError.self) { try workflow.apply(.save, to: atReview, by: county) }
        // A reviewer never reviews their own unit's figures, and never a unit outside their node.
        #expect(throws: WorkflowError.self) { try workflow.apply(.save, to: atReview, by: Actor(role: .reviewer, reach: .own)) }
        #expect(throws: WorkflowError.self) { try workflow.apply(.save, to: atReview, by: Actor(role: .reviewer, reach: .outside)) }
        #expect(throws: WorkflowError.self) { try workflow.apply(.save, to: WorkflowState(), by: Actor(role: .filler, reach: .outside)) }
        for role in [Role.leader, .schemeAdmin] {
            #expect(workflow.actions(for: Actor(role: role, reach: .below), at: atReview).isEmpty)
        }
    }

    @Test func theEdgesOfTheStages() {
        #expect(throws: WorkflowError.self) { try workflow.apply(.sendBack, to: WorkflowState(), by: county) }
        #expect(throws: WorkflowError.self) { try workflow.apply(.approve, to: WorkflowState(stage: 1), by: city) }
        #expect(throws: WorkflowError.self) { try workflow.apply(.submit, to: WorkflowState(stage: 2), by: province) }
        #expect(workflow.actions(for: province, at: WorkflowState(stage: 2)) == [.save, .sendBack, .approve])
        #expect(workflow.actions(for: county, at: WorkflowState()) == [.save, .submit])
        #expect(!workflow.needsReason(at: 0) && workflow.needsReason(at: 1))
    }
}

/// What a data-entry form asks for: the inputs the rules read and the indicators whose figure is entered.
@Suite struct EntryFieldTests {
    @Test func theFormAsksForEveryInputAndEveryEnteredFigure() {
        let compiled = scheme([
            leaf("a", rule: .rate(rate: expr("落实率"))),
            leaf("b", rule: .judged(Judged(each: nil, reasonRequired: false))),
            leaf("c", rule: .formula(score: expr("min(value, max)"))),
            leaf("d", rule: .formula(score: expr("score('a') / 2 + 到位率 * 0"))),
        ])
        #expect(compiled.inputNames == ["落实率", "到位率"])
        #expect(compiled.entryInputNames == ["落实率", "到位率"])
        #expect(compiled.enteredIndicators.map { compiled.indicator(at: $0).code } == ["b", "c"])
    }

    @Test func anInputOnlyAnIndicatorForNobodyReadsIsNotAsked() {
        var board = leaf("b", rule: .rate(rate: expr("阅读覆盖率")))
        board.appliesTo = []
        let compiled = scheme([leaf("a", rule: .rate(rate: expr("落实率"))), board], total: 10)
        #expect(compiled.inputNames == ["落实率", "阅读覆盖率"])
        #expect(compiled.entryInputNames == ["落实率"])
    }

    @Test func aListSurvivesBeingStoredAsText() {
        let list = Value.list([.number(n("2")), .number(n("1.5"))])
        #expect(Value.parse(list.description) == list)
        #expect(Value.parse("[]") == .list([]))
        #expect(Value.parse("[2、1]") == .list([.number(n("2")), .number(n("1"))]))
        #expect(Value.parse("92%") == .number(n("0.92")))
    }
}
