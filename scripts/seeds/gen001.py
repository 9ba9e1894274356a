import os
# Generates schemes/001-shaanxi-2020.yaml and examples/001-shaanxi-2020.yaml from the table of seed 001's 附件,
# its table 2-1 and the figures its text (§三) gives.
import json
N = None
# (code, name, max, 评价标准 (verbatim, PDF line breaks removed), rule or None, 省本级, 延安市, 宝鸡市, 综合得分, 扣分):
# the cells as printed (None: blank). Where the text gives the figures a cell follows from, `rules` below replaces the rule.
tree = [
 ("1", "决策", 15, [
  ("1.1", "项目立项", 5, [
   ("1.1.1", "立项依据充分性", 3, "1. 项目立项符合残疾人保障法、国民经济发展规划和残疾人事业发展规划，得〔分值无法辨认〕分；2. 项目立项符合行业发展规划和政策要求，得0.5分；3. 项目立项与部门职责范围相符，属于部门履职所需，得0.5分；4. 项目属于省级残疾人事业发展、省与市县事权和支出责任划分原则，得0.5分；5. 项目与相关项目不存在重复，得1分。",
    None, 3, 3, 3, 3.00, "0.00"),
   ("1.1.2", "立项程序规范性", 2, "1. 项目资金申请程序合规，得0.5分；2. 项目资金审批手续的完备，得0.5分；3. 事前已经过必要的可行性研究、专家论证、风险评估、集体决策等，得1分。",
    {"kind": "checklist", "items": [{"id": "1", "text": "资金申请程序合规", "points": 0.5}, {"id": "2", "text": "审批手续完备", "points": 0.5}, {"id": "3", "text": "事前经过可行性研究、专家论证、风险评估、集体决策", "points": 1}]},
    2, 2, 2, 2.00, "0.00"),
  ]),
  ("1.2", "绩效目标", 5, [
   ("1.2.1", "绩效目标合理性", 3, "1. 绩效目标与残疾人就业保障金补助资金支持方向和内容密切相关，得1分；2. 预计产出效果、效益不低于政策文件的最低要求，并符合正常的业绩水平，得2分。", None, 2.56, 2.5, 2.8, 2.57, "0.43"),
   ("1.2.2", "绩效指标明确性", 2, "1. 绩效目标清晰、细化，得1分；2. 绩效目标可衡量，得1分。", None, 1.11, 1.5, 1, 1.13, "0.87"),
  ]),
  ("1.3", "资金安排", 5, [
   ("1.3.1", "预算编制科学性", 2, "1. 预算编制经过论证，得1分；2. 预算额度测算依据充分，按标准编制，得1分。", None, 1.56, 1.37, 1, 1.51, "0.49"),
   ("1.3.2", "资金分配合理性", 3, "1. 资金的分配依据充分，得1.5分；2. 资金分配坚持“实用、够用、安全、节俭”的原则，得1.5分。", None, 2.87, 2.64, 3, 2.87, "0.13"),
  ]),
 ]),
 ("2", "过程", 25, [
  ("2.1", "资金管理", 13, [
   ("2.1.1", "资金到位率", 2, "资金到位率=（实际到位资金/预算资金）×100%",
    None, 2, 1.83, 2, 1.99, "0.01"),
   ("2.1.2", "资金到位及时率", 2, "资金到位及时率=（及时到位资金/预算资金）*100%", None, 2, 0.2, 1.3, 1.83, "0.17"),
   ("2.1.3", "预算执行率", 4, "预算执行率=（实际使用资金/财政拨付资金）×100%", None, 2.95, 1.63, 2.78, 2.85, "1.15"),
   ("2.1.4", "资金使用合规性", 5, "1. 按照专项资金管理办法的列支范围使用资金，得3分；2. 不存在截留、挤占、挪用、贪污等违法违规行为，得2分；3. 资金拨付有完整的审批程序和手续，得1分。", None, 3.52, 2.62, 1.82, 3.33, "1.67"),
  ]),
  ("2.2", "组织实施", 12, [
   ("2.2.1", "管理制度健全", 2, "1. 已制定或具有相应的业务管理制度和财务管理制度，得1分；2. 财务管理制度、业务管理制度合法、合规、完整，得1分。", None, 2, 1.5, 1.5, 1.93, "0.07"),
   ("2.2.2", "制度执行有效性", 8, "1. 遵守相关法律法规和相关管理规定，严格执行申报、审核、拨付等程序，政府采购程序合规，得2分；2. 项目实施的人员条件、场地设备、信息支撑等落实到位，业务活动组织有序，得2分；3. 项目政府采购审批、招投标、竞争性谈判或询价程序、合同书、项目执行过程形成的资料齐全并及时归档，得2分；4. 按规定及时对补贴、补助类项目申报资料进行审核、审批、公示，得1分；5. 是否实行专账核算，得1分。", None, 4.69, 3, 3, 4.46, "3.54"),
   ("2.2.3", "项目质量可控性", 2, "1. 已制定或具有相应的项目质量要求或标准，得1分；2. 采取了相应的项目质量检查、验收等必需的控制措施或手段，得1分。", None, 1.5, 1, 1, 1.43, "0.57"),
  ]),
 ]),
 ("3", "产出", 30, [
  ("3.1", "产出数量", 14, [
   ("3.1.1", "实际完成率（残疾人就业和扶贫）", 4, "1. 助推脱贫资助扶持人数：实际完成率=（实际资助扶持人数/计划资助扶持人数）×100%。2. 支持残疾人就业的企业、基地和机构扶持数量：实际完成率=（实际补贴数量/计划补贴数量）×100%。3. 残疾人就业培训人数：实际完成率=（实际参加培训人数/计划培训人数）×100%。4. 贫困重度残疾人寄宿制托养服务人数：实际完成率=（实际托养人数/计划托养人数）×100%。5. 公益性岗位补贴人数：实际完成率=（实际补贴人数/计划补贴人数）×100%。", None, 1.87, 4, 3.8, 2.15, "1.85"),
   ("3.1.2", "实际完成率（残疾人康复）", 3, "1. 接受精准康复家庭医生签约服务人数：实际完成率=（实际接受康复服务人数/计划人数）×100%。2. 服药补贴人数：实际完成率=（实际补贴人数/计划补贴人数）×100%。3. 康复医院业务提升目标完成率=（实际产出数/计划产出数）×100%。4. 助听器采购数量：实际完成率=（实际采购数/计划采购数）×100%。", None, 1.11, 1.18, 0.5, 1.07, "1.93"),
   ("3.1.3", "实际完成率（残疾人社会保障和综合服务）", 3, "1. 接受临时救助人数：实际完成率=（实际临时救助人数/计划人数）×100%。2. 意外伤害保险保障人数：实际完成率=（实际保障人数/计划保障人数）×100%。3. 政府购买托养服务人数：实际完成率=（实际接受托养服务人数/计划托养人数）×100%。4. 残疾学生补助人数：实际完成率=（实际补助人数/计划人数）×100%。5. 职业教育能力提升目标完成率=（实际产出数/计划产出数）×100%。", None, 2.57, 1.92, 3, 2.56, "0.44"),
   ("3.1.4", "实际完成率（建档立卡重度残疾人家庭无障碍改造）", 2, "建档立卡残疾人家庭无障碍改造户数 实际完成率=（实际改造数/计划改造户数）×100%。", None, N, 2, 2, 2.00, "0.00"),
   ("3.1.5", "实际完成率（残疾人专职委员工作补贴）", 2, "残疾人专职委员工作补贴发放人数 实际完成率=（实际补贴数/计划补贴人数）×100%。", None, N, 1, 1.86, 1.47, "0.53"),
  ]),
  ("3.2", "产出质量", 10, [
   ("3.2.1", "质量达标（残疾人就业和扶贫）", 3, "1. 参训对象培训合格率达到80%以上；每减少一个百分点扣减0.5分；低于60%的，不得分。2. 采购设备验收合格率达到100%；每减少一个百分点扣减0.5分；低于60%的，不得分。3. 补助对象准确率达到100%；每减少一个百分点扣减0.5分；低于60%的，不得分。", None, 2.98, 3, 0, 2.76, "0.24"),
   ("3.2.2", "质量达标（残疾人康复）", 4, "1. 精准康复家庭医生签约服务有效率达到60%以上；每减少一个百分点扣减0.1分，直至扣完为止。2. 采购设备验收合格率达到100%；每减少一个百分点扣减0.5分；低于60%的，不得分。如受到投诉，计0分。", "veto", 1.03, 2.5, 4, 1.35, "2.65"),
   ("3.2.3", "质量达标（残疾人社会保障和综合服务）", 2, "1. 补助对象准确率达到100%；每发现1人，扣0.1分，直至扣完。2. 采购设备验收合格率达到100%；每减少一个百分点扣减0.5分；低于60%的，不得分。", None, 2, 1.7, 1.5, 1.94, "0.06"),
   ("3.2.4", "质量达标（建档立卡重度残疾人家庭无障碍改造）", 1, "无障碍改造验收合格率达到80%以上，满分；每减少一个百分点扣减0.5分；低于60%的，不得分。", None, N, 0.5, 0, 0.23, "0.77"),
  ]),
  ("3.3", "产出时效", 6, [
   ("3.3.1", "完成及时率（所有项目）", 6, "按照各二级项目实施方案要求按时完成任务或满足相应规定时间要求，得6分；未按要求完成，按比例扣减分数。", None, 3.97, 5, 5.29, 4.13, "1.87"),
  ]),
 ]),
 ("4", "效果", 30, [
  ("4.1", "社会效益", 12, [
   ("4.1.1", "残疾人家庭经济压力缓解程度", 3, "1. 促进残疾人家庭增收、缓解残疾人家庭经济压力，得3分。", None, 1.15, 2.57, 2.6, 1.35, "1.65"),
   ("4.1.2", "培训后就业率", 3, "达到60%以上，得3分；每减少一个百分点扣减0.5分，直到扣完为止。", None, 0, N, 3, 0.24, "2.76"),
   ("4.1.3", "残疾人生存及生活状况改善程度", 3, "1. 残疾人生活便利程度有所改善，得1.5分；2. 残疾人生存状况得到提升，得1.5分。", None, 2.7, 1.92, 2.36, 2.63, "0.37"),
   ("4.1.4", "精准康复家庭医生签约服务覆盖率", 3, "覆盖率=（已签约人数/有需求残疾人人数）×100% 达到80%以上，得3分；每减少一个百分点扣减0.5分；低于60%的，不得分。",
    {"kind": "shortfall", "target": "80%", "step": "1%", "deduct": 0.5, "cutoff": "60%"}, N, 3, 3, 3.00, "0.00"),
  ]),
  ("4.2", "可持续影响", 2, [
   ("4.2.1", "服务残疾对象的能力和水平有所提升", 2, "1. 提高了残疾人服务机构接纳和提供服务的能力，得1分；2. 提高了残疾人服务机构管理能力和水平，得1分。", None, 2, 2, 2, 2.00, "0.00"),
  ]),
  ("4.3", "满意度", 16, [
   ("4.3.1", "服务对象满意度（残疾人就业和扶贫）", 5, "1. 接受培训残疾人满意度达到70%以上；每减少一个百分点扣减0.5分；低于60%的，不得分；2. 接受助推脱贫扶持残疾人满意度达到80%以上；每减少一个百分点扣减0.5分；低于60%的，不得分；3. 集中就业企业残疾人满意度达到80%以上；每减少一个百分点扣减0.5分；低于60%的，不得分；4. 扶贫基地带动残疾人满意度达到80%以上；每减少一个百分点扣减0.5分；低于60%的，不得分；5. 寄宿制托养人员满意度达到80%以上；每减少一个百分点扣减0.5分；低于60%的，不得分。", None, 5, 5, 4.97, 5.00, "0.00"),
   ("4.3.2", "服务对象满意度（残疾人康复）", 4, "1. 残疾人对签约服务满意度大于80%；每减少一个百分点扣减0.5分；低于60%的，不得分；2. 享受服药补贴残疾对象满意度大于80%；每减少一个百分点扣减0.5分；低于60%的，不得分。", None, N, 2, 4, 3.09, "0.91"),
   ("4.3.3", "服务对象满意度（残疾人社会保障和综合服务）", 2, "1. 资助学生满意度达到80%以上；每减少一个百分点扣减0.5分；低于60%的，不得分；2. 残疾人接受临时救助满意度达到80%以上；每减少一个百分点扣减0.5分；低于60%的，不得分。", None, 2, 2, 2, 2.00, "0.00"),
   ("4.3.4", "残疾人及家庭无障碍改造满意度", 3, "达到85%以上，得3分；每减少一个百分点扣减0.5分；低于60%的，不得分。", None, N, 3, 3, 3.00, "0.00"),
   ("4.3.5", "残疾人及家属对精准康复满意度", 2, "达到95%以上，得2分；每减少一个百分点扣减0.5分；低于60%的，不得分。", None, N, 2, 2, 2.00, "0.00"),
  ]),
 ]),
]
regions = ["省本级", "延安市", "宝鸡市"]
# Table 2-1: each region's 一级 scores and the composite; the composite's 二级 scores from §三 ("评价得分 … 分").
subtotals = {"1": (13.1, 13.01, 12.85, 13.08), "2": (18.66, 11.78, 13.4, 17.82), "3": (16.45, 22.8, 21.95, 19.66), "4": (24.25, 25.6, 28.93, 24.31)}
second_level_composite = {"1.1": 5, "1.2": 3.7, "1.3": 4.38, "2.1": 10, "2.2": 7.82, "3.1": 9.25, "3.2": 6.28, "3.3": 4.13, "4.1": 7.22, "4.2": 2, "4.3": 15.09}
totals = (72.46, 73.28, 77.08)
rates = {"1": "87.20%", "2": "71.28%", "3": "65.53%", "4": "81.03%"}  # table 2-1's 得分率 column
# §三's "扣减 X 分" for groups (its leaf deductions repeat the 附件's 扣分 column).
group_deductions = {"1.2": "1.3", "3.1": "4.75", "4.1": "4.78", "4.3": "0.91"}

# Cells the report's text lets one recompute: the rule over the text's figures replaces the judged rule. A region
# whose figure the text does not give keeps the evaluators' score through the formula's fallback: its cell's entry
# is that score, while `计算` means "compute from the inputs" (docs/schemes.md, "Computed where the figures are given").
rules = {
    "2.1.1": ({"kind": "formula", "score": "if(资金全部到位, max, 实际到位资金 / 预算资金 * max)"},
              ["资金到位率 × 分值 (R2): §三(二)1(1) 省本级、宝鸡市预算资金已全部到位; 延安市应到位 1,250.25 万元，实际到位",
               "1,207.98 万元 → 96.62% × 2 = 1.93 (the table prints 1.83; 2 − 0.05 per point short would give 1.83, a rule the",
               "document does not state)."]),
    "2.1.2": ({"kind": "formula", "score": "if(value == \"计算\", 资金到位及时率 * max, value)"},
              ["资金到位及时率 × 分值: §三(二)1(2) gives 延安市 15.32%, 宝鸡市 74.94%; 省本级's rate is not given, so its",
               "cell keeps the evaluators' score (the entry is that score; 计算 computes from the input)."]),
    "4.1.1": ({"kind": "rate", "rate": "家庭经济压力缓解比率"},
              ["§三(四)1(1): 根据问卷调查中受益对象表示能够缓解其家庭经济压力比率计算 — 省本级 27.5%, 延安市 85.69%,",
               "宝鸡市 86.64%; × 分值 3."]),
    "4.1.2": ({"kind": "formula", "score": "if(value == \"计算\", if(培训后就业率 >= 60%, max, max(0, max - (60% - 培训后就业率) / 1% * 0.5)), value)"},
              ["达到60%以上（含60%）得3分；每减少一个百分点扣减0.5分，扣完为止. §三(四)1(2): 省本级 10名培训对象中仅1人",
               "就业，10% → 50 points short → 0. 宝鸡市's rate is not given: its cell keeps the evaluators' 3; 延安市 n/a."]),
    "4.1.3": ({"kind": "rate", "rate": "生存生活状况改善比率"},
              ["§三(四)1(3): 根据问卷调查中受益对象表示可以改善其生存及生活状况比率计算 — 省本级 90%, 延安市 63.91%,",
               "宝鸡市 73.66%; × 分值 3."]),
}
rule_comments = {
    "1.1.1": ["Item 1's points are illegible in the document (…残疾人保 是是济发展规划和残疾人分;); items 2–5 print",
              "0.5 + 0.5 + 0.5 + 1 = 2.5 of the indicator's 3, so item 1 is 0.5 if the items add up to it. A checklist",
              "with item 1 at 1 point (the earlier reconstruction) would pay 3.5 on a 3-point indicator. Judged: the",
              "evaluators' 3 is entered as printed, and the audit counts it as not checkable."],
}
# What each region's cell holds instead of the printed score (OMIT: no entry, the rule reads inputs only).
OMIT = object()
entered = {
    ("1.1.2", "省本级"): "all", ("1.1.2", "延安市"): "all", ("1.1.2", "宝鸡市"): "all",
    ("2.1.1", "省本级"): OMIT, ("2.1.1", "延安市"): OMIT, ("2.1.1", "宝鸡市"): OMIT,
    ("2.1.2", "延安市"): "计算", ("2.1.2", "宝鸡市"): "计算",
    ("4.1.1", "省本级"): OMIT, ("4.1.1", "延安市"): OMIT, ("4.1.1", "宝鸡市"): OMIT,
    ("4.1.2", "省本级"): "计算",
    ("4.1.3", "省本级"): OMIT, ("4.1.3", "延安市"): OMIT, ("4.1.3", "宝鸡市"): OMIT,
    ("4.1.4", "延安市"): "93.85%", ("4.1.4", "宝鸡市"): "96.12%",
}
inputs = {
    "省本级": [("资金全部到位", "true", "§三(二)1(1) 省本级、宝鸡市预算资金已全部到位"),
              ("家庭经济压力缓解比率", '"27.5%"', "§三(四)1(1)"), ("培训后就业率", '"10%"', "§三(四)1(2) 10名培训对象中仅1人就业"),
              ("生存生活状况改善比率", '"90%"', "§三(四)1(3)")],
    "延安市": [("资金全部到位", "false", None), ("实际到位资金", "1207.98", "万元, §三(二)1(1)"), ("预算资金", "1250.25", "万元: 应到位资金"),
              ("资金到位及时率", '"15.32%"', "§三(二)1(2)"), ("家庭经济压力缓解比率", '"85.69%"', None),
              ("生存生活状况改善比率", '"63.91%"', None)],
    "宝鸡市": [("资金全部到位", "true", None), ("资金到位及时率", '"74.94%"', "§三(二)1(2)"), ("家庭经济压力缓解比率", '"86.64%"', None),
              ("生存生活状况改善比率", '"73.66%"', None)],
}
# Printed cells the data file carries but the audit cannot check, besides the judged ones (which it finds itself).
not_checkable = {
    "省本级": [("1.1.2", "清单的条目哪些满足，正文未列：按满分录入 all，印刷得分无从重算"),
              ("2.1.2", "正文未给出省本级的资金到位及时率：按评价组给分录入")],
    "延安市": [("1.1.2", "清单的条目哪些满足，正文未列：按满分录入 all，印刷得分无从重算")],
    "宝鸡市": [("1.1.2", "清单的条目哪些满足，正文未列：按满分录入 all，印刷得分无从重算"),
              ("4.1.2", "正文未给出宝鸡市的培训后就业率：按评价组给分录入")],
}

def q(s): return json.dumps(s, ensure_ascii=False)
def fmt(v): return "n/a" if v is None else (q(v) if isinstance(v, str) else str(v))

S = []
S.append("# Seed 001: 陕西省 2020 年度残疾人就业保障金项目绩效评价指标体系打分表（附件），省财政厅组织的第三方评价.")
S.append("# Generated by scripts/seeds/gen001.py. Three regions are scored; the 综合得分 column is a weighted composite over")
S.append("# them, formed per indicator and then summed. Five indicators are recomputed from figures the report's text gives")
S.append("# (2.1.1, 2.1.2, 4.1.1, 4.1.2, 4.1.3, besides 4.1.4); the others are the evaluators' judgement (judged).")
S.append("scheme:\n  id: \"001\"\n  name: 陕西省2020年度残疾人就业保障金项目绩效评价\n  year: 2020\n  subject_kind: region\n  total: 100\n  source: 001 附件 绩效评价指标体系打分表")
S.append("""# Weights of the regions in the composite. The document does not print them:
# - 省本级 0.8612 is in the text: 6,787万元 (随同部门预算批复省残联机关及下属单位, §一(一)) of the 7,881.06万元 sampled
#   (本次抽查项目资金共计, §三(二)1(3)) is 86.12%.
# - 延安市 0.0630 and 宝鸡市 0.0758 are NOT in the document: they were fitted to its 综合得分 column (the rest, 0.1388,
#   split so that the composite of the evaluators' printed cells reproduces every composite cell to the cent, with
#   weights renormalised over the regions where an indicator does not apply, and the total 74.87; a least-squares
#   search in steps of 0.0001 finds a small family of such splits; round figures in steps of 0.001 miss one cell,
#   资金使用合规性 3.34 vs 3.33, and give 74.88).
# With the cells recomputed from the text (2.1.1, 2.1.2, 4.1.1, 4.1.3) the composite no longer reproduces those cells
# and the sums above them: the audit lists each.
composite:
  over: subjects
  weights: {省本级: 0.8612, 延安市: 0.0630, 宝鸡市: 0.0758}
  order: per_indicator
  not_applicable: renormalise""")
S.append("grades:\n  bands:\n    - {grade: 优, min: 90}\n    - {grade: 良, min: 80}\n    - {grade: 中, min: 60}\n    - {grade: 差, min: 0}")
S.append("require_children_sum: true")
S.append("# A region's total is printed out of 100 over the indicators that apply to it: 省本级 60.14 of an applicable 83\n# is printed 72.46, 延安市 71.08 of 97 is printed 73.28 (found by a reviewer; both exact).\nnot_applicable_total: rescale")
# Declared inputs (validate warns about a name a rule reads that nothing declares).
S.append("""inputs:
  - {name: 受到投诉, text: 3.2.2 质量达标（残疾人康复）：如受到投诉，计0分（是/否）}
  - {name: 资金全部到位, text: 2.1.1 预算资金已全部到位（是/否；§三(二)1(1)）}
  - {name: 实际到位资金, unit: 万元, text: 2.1.1 实际到位资金}
  - {name: 预算资金, unit: 万元, text: 2.1.1 预算资金（应到位资金）}
  - {name: 资金到位及时率, text: 2.1.2 及时到位资金 ÷ 预算资金（§三(二)1(2)）}
  - {name: 家庭经济压力缓解比率, text: 4.1.1 家庭经济压力得到缓解的比率}
  - {name: 培训后就业率, text: 4.1.2 培训后就业率}
  - {name: 生存生活状况改善比率, text: 4.1.3 生存生活状况得到改善的比率}""")
# A judged indicator's printed parts, when they are worth checking against its max.
parts = {"2.1.4": ("[3, 2, 1]", "评分标准 printed 得3分、得2分、得1分: 6 on a 5-point indicator (validate warns)")}
S.append("indicators:")
def emit(node, depth):
    pad = "  " * depth
    code, name, mx = node[0], node[1], node[2]
    if isinstance(node[3], list):
        S.append(f"{pad}- code: {q(code)}\n{pad}  name: {name}\n{pad}  max: {mx}\n{pad}  children:")
        for child in node[3]: emit(child, depth + 2)
        return
    text, rule = node[3], node[4]
    S.append(f"{pad}- code: {q(code)}\n{pad}  name: {name}\n{pad}  max: {mx}")
    if code in parts: S.append(f"{pad}  parts: {parts[code][0]}  # {parts[code][1]}")
    S.append(f"{pad}  text: {q(text)}")
    for line in rule_comments.get(code, []): S.append(f"{pad}  # {line}")
    if code in rules:
        rule, comment = rules[code]
        for line in comment: S.append(f"{pad}  # {line}")
        S.append(f"{pad}  rule: {json.dumps(rule, ensure_ascii=False)}")
    elif rule == "veto":
        S.append(f"{pad}  veto: 受到投诉\n{pad}  rule: {{kind: judged}}  # 评价组按多项标准给分；受到投诉则计0分")
    elif rule is None:
        S.append(f"{pad}  rule: {{kind: judged}}  # 评价组按标准给分")
    else:
        S.append(f"{pad}  rule: {json.dumps(rule, ensure_ascii=False)}")
for n in tree: emit(n, 1)
open(os.path.join(os.path.dirname(__file__), "../../") + "schemes/001-shaanxi-2020.yaml", "w").write("\n".join(S) + "\n")

leaves = []
def walk(node):
    if isinstance(node[3], list):
        for c in node[3]: walk(c)
    else: leaves.append(node)
for n in tree: walk(n)
D = []
D.append("# Generated by scripts/seeds/gen001.py from seed 001: the 附件 打分表, table 2-1 and the figures of the report's text.")
D.append("scheme: \"001\"\nperiod: \"2020\"")
D.append("""notes: |
  Seed 001. Each region's 三级 cells as printed (blank cells n/a). Most are the evaluators' judgement (judged: the
  value is the printed score, which the audit counts as not checkable). Where the report's text gives the figures a
  cell follows from, the cell is recomputed by its rule and the evaluators' score is only the printed figure:
  - 2.1.1 资金到位率 × 2: 省本级 and 宝鸡市 全部到位 → 2 (printed 2); 延安市 1,207.98 / 1,250.25 = 96.62% → 1.93,
    printed 1.83 (2 − 0.05 per point short, 3.38 points, would give 1.83, but the document states no such rule).
  - 2.1.2 资金到位及时率 × 2: 延安市 15.32% → 0.31 (printed 0.2); 宝鸡市 74.94% → 1.50 (printed 1.3); 省本级 not given:
    the evaluators' 2 stands (entered as the score; the formula falls back to it).
  - 4.1.1 缓解家庭经济压力比率 × 3: 省本级 27.5% → 0.83 (printed 1.15); 延安市 85.69% → 2.57 and 宝鸡市 86.64% → 2.60 agree.
  - 4.1.2 培训后就业率 (60%, 0.5 per point short): 省本级 10% → 0 (printed 0); 宝鸡市's rate is not given (its 3 stands).
  - 4.1.3 生存及生活状况改善比率 × 3: 宝鸡市 73.66% → 2.21 (printed 2.36); 省本级 90% → 2.7 and 延安市 63.91% → 1.92 agree.
  - 4.1.4 覆盖率: 延安市 93.85%, 宝鸡市 96.12% → 3 (both printed 3).
  - 2.1.3 预算执行率: the regions' cells are judged (the text gives only the sample's 5,624.79 of 7,881.06 万元 and
    "延安地区低于50%"); the composite cell is recomputed twice: as the weighted composite, and by the rule over the text's
    figures, 71.37% × 4 = 2.85 (printed 2.85; composite_printed.formulas).
  - 1.1.1 立项依据充分性: item 1's points are illegible in the document; judged (each region printed 3).
  Composite weights (see the scheme): 省本级 0.8612 = 6,787 of 7,881.06 万元, both in the text; 延安市 0.0630 and
  宝鸡市 0.0758 are not in the document, they were fitted to its 综合得分 column. They reproduce every composite cell
  and 74.87 from the evaluators' printed cells (a golden test checks this), not from the recomputed ones: the
  composite cells of 2.1.1, 2.1.2, 4.1.1, 4.1.3 and every sum above them disagree by what the recomputed cells change.
  Printed subtotals per region come from table 2-1 (一级); the composite's 二级 from §三 ("评价得分 … 分"); its 扣分
  column from the 附件 (the text's 扣减 figures for single indicators repeat it; those for groups, 1.2, 3.1, 4.1, 4.3, are
  carried as deductions too); 得分率 from table 2-1; the text's own arithmetic (下达 21,787 = 6,787 + 15,000 万元,
  未到位 42.27 万元, 预算执行率 71.37%, 应补助 52 × 1 = 52 万元, 就业 1 of 10 = 10%) as printed.arithmetic.
  Not carried: 4.3.2 延安市 (满意度 60% against 大于80%, 0.5 a point, 低于60%不得分) would score its second half 0 and
  fits the printed 2 only if the two halves are worth 2 each, which the rule does not say.""")
D.append("subjects:")
for i, region in enumerate(regions):
    D.append(f"  - id: {region}\n    name: {region}")
    D.append("    inputs:")
    for name, value, comment in inputs[region]:
        D.append(f"      {name}: {value}" + (f"  # {comment}" if comment else ""))
    D.append("    values:")
    for leaf in leaves:
        v = entered.get((leaf[0], region), leaf[5 + i])
        if v is OMIT: continue
        D.append(f"      {q(leaf[0])}: {fmt(v)}")
    D.append("    printed:\n      scores:  # the 附件's cells as printed (blank cells are not printed)")
    for leaf in leaves:
        v = leaf[5 + i]
        if v is not None: D.append(f"        {q(leaf[0])}: {v}")
    D.append("        # table 2-1")
    for code, vals in subtotals.items():
        D.append(f"        {q(code)}: {vals[i]}")
    D.append(f"      total: {totals[i]}")
    D.append("      not_checkable:")
    for code, why in not_checkable[region]:
        D.append(f"        - {{code: {q(code)}, why: {why}}}")
D.append("composite_printed:\n  scores:  # the 附件's 综合得分 column")
for leaf in leaves: D.append(f"    {q(leaf[0])}: {leaf[8]:.2f}")
D.append("    # §三: 二级 评价得分")
for code, v in second_level_composite.items(): D.append(f"    {q(code)}: {v}")
D.append("    # table 2-1: 一级")
for code, vals in subtotals.items(): D.append(f"    {q(code)}: {vals[3]}")
D.append("  total: 74.87\n  grade: 中")
D.append("  deductions:  # the 附件's 扣分 column; groups from §三's 扣减 … 分")
for leaf in leaves: D.append(f"    {q(leaf[0])}: {leaf[9]}")
for code, v in group_deductions.items(): D.append(f"    {q(code)}: {v}")
D.append("  total_deduction: 25.13")
D.append("  rates:  # table 2-1's 得分率")
for code, v in rates.items(): D.append(f"    {q(code)}: {q(v)}")
D.append("  total_rate: \"74.87%\"")
D.append("""  formulas:  # the composite cell by the rule over the text's figures (§三(二)1(3)): 5,624.79 of 7,881.06 万元 = 71.37%, × 4
    "2.1.3": "5624.79 / 7881.06 * max"
  arithmetic:  # figures the text derives from figures it gives
    - {name: 对下转移支付与省级下达资金合计（万元，§一(一)）, formula: "6787 + 15000", printed: 21787}
    - {name: 延安市未到位资金（万元，§三(二)1(1)）, formula: "1250.25 - 1207.98", printed: 42.27}
    - {name: 抽查资金预算执行率（§三(二)1(3)）, formula: "5624.79 / 7881.06", printed: "71.37%"}
    - {name: 延安市集中就业企业应补助（万元，§三(二)2(2)：52名 × 1万元/人）, formula: "52 * 1", printed: 52}
    - {name: 省残疾人就业服务中心培训后就业占比（§三(四)1(2)）, formula: "1 / 10", printed: "10%"}""")
D.append("""findings:  # 《报告》第三部分逐项列出的扣分原因（综合得分口径）
  - {code: "1.2", deduct: 1.3, text: "部分项目指标缺失，以计划执行金额代替数量指标值、无法量化考核。如省残联效益指标缺失；宝鸡市未设定建档立卡重度残疾人家庭无障碍改造满意度指标。"}
  - {code: "1.3.1", deduct: 0.49, text: "预算编报前未进行充分的摸底调研；个别项目未纳入年初预算。如宝鸡市陈仓区2020年度未编报扶持辅助性就业机构建设项目预算。"}
  - {code: "1.3.2", deduct: 0.13, text: "延安市宝塔区精准康复家庭医生签约服务项目，存在无依据提高结算标准情况。"}
  - {code: "2.1.1", deduct: 0.01, text: "延安市应到位资金1,250.25万元，实际到位1,207.98万元，未到位42.27万元。"}
  - {code: "2.1.2", deduct: 0.17, text: "延安市、宝鸡市未及时将省级资金拨付各县（区）残联，延安市仅有15.32%的资金及时拨付，宝鸡市74.94%的资金及时拨付。"}
  - {code: "2.1.3", deduct: 1.15, text: "2020年度省级资金实际使用5,624.79万元，预算执行率为71.37%，其中延安地区预算执行率低于50%。"}
  - {code: "2.1.4", deduct: 1.67, text: "未严格按照预算项目执行；预算支出不符合项目管理要求；会计核算不规范；资金支付依据不充分。"}
  - {code: "2.2.1", deduct: 0.07, text: "延安市未制定专项资金管理办法、宝鸡市专职委员工作管理办法更新不及时。"}
  - {code: "2.2.2", deduct: 3.54, text: "市县残联审批不到位；补贴标准未足额落实到位；部分项目未公示；项目资料归档不完整。"}
  - {code: "2.2.3", deduct: 0.57, text: "市县残联在事中、事后监督检查不到位，个别项目补助对象不合格。"}
  - {code: "3.1", deduct: 4.75, text: "指标下达迟、开展时间较晚，截至评价日部分项目未执行完，根据实际完成数量分类测算。"}
  - {code: "3.2.1", deduct: 0.24, text: "部分项目培训对象、补助对象不准确，如宝鸡市陈仓区电商扶贫项目2名微商虚报项目。"}
  - {code: "3.2.2", deduct: 2.65, text: "精准康复家庭医生签约服务有效率45%，未达到预期目标；省级康复机构服务能力提升建设补贴项目推进缓慢。"}
  - {code: "3.2.3", deduct: 0.06, text: "问卷调查发现存在8名不符合条件的补助对象。"}
  - {code: "3.2.4", deduct: 0.77, text: "宝鸡市无障碍改造项目未经验收已投入使用，存在安全隐患。"}
  - {code: "3.3.1", deduct: 1.87, text: "延安宝塔区残疾人专职委员补贴截至评价日尚未支付；无障碍改造项目未按要求2020年8月底前结束。"}
  - {code: "4.1", deduct: 4.78, text: "从残疾人家庭经济压力缓解程度、培训后就业率、残疾人生存及生活状况改善程度、精准康复家庭医生签约服务覆盖率四个方面调查，收回139份有效问卷，转为量化数据。"}
  - {code: "4.1.1", deduct: 1.65, text: "受益对象表示能够缓解家庭经济压力的比率：省本级27.5%，延安市85.69%，宝鸡市86.64%。"}
  - {code: "4.1.2", deduct: 2.76, text: "省残疾人就业服务中心10名培训对象中仅1人就业，占比10%。"}
  - {code: "4.1.3", deduct: 0.37, text: "可以改善生存及生活状况的比率：省本级90%，延安市63.91%，宝鸡市73.66%。"}
  - {code: "4.3", deduct: 0.91, text: 延安市精神类残疾人服药补贴项目满意度为60%，宝鸡市助力脱贫攻坚集中托养行动项目满意度为85.71%，均未达到评价标准。}""")
open(os.path.join(os.path.dirname(__file__), "../../") + "examples/001-shaanxi-2020.yaml", "w").write("\n".join(D) + "\n")
print("ok", len(leaves))
