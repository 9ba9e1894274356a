# Generates schemes/002-NN-*.yaml and examples/002-NN-*.yaml from seed 002's eleven self-evaluation tables.
# Each printed rule (评分标准) is kept verbatim; the machine rule is recognised from its wording, and where the
# rule is the reviewer's discretion (酌情扣分) or not machine-readable, the indicator is `judged` and says so.
import re, json, sys
from decimal import Decimal as D
import os
text = open(os.path.join(os.path.dirname(__file__), "../../../shared/seeds/002_f61d0a86d7a9a9c4.txt")).read()
parts = re.split(r'\n附件 2-(\d+):\n', text)
slugs = {1:"zonghe-guanli",2:"kangfu-jiuye",3:"quanyi-baozhang",4:"wenti-xuanchuan",5:"xinxihua",6:"caizheng-zhuanxiang-a",
         7:"zaoqi-ganyu",8:"caizheng-zhuanxiang-b",9:"zonghe-pinggu",10:"kangfu-fuju",11:"caizheng-zhuanxiang-c"}
LEVEL1 = ["投入和管理目标", "产出目标", "效果目标", "影响力目标"]
GROUP_NAMES = {"投入和管理目标": ["预算设立", "预算执行", "财务管理", "项目管理"],
               "产出目标": ["产出数量", "产出质量", "产出时效", "产出成本"],
               "效果目标": ["社会效益", "服务对象满意度", "可持续影响", "经济效益"],
               "影响力目标": ["长效管理", "人力资源", "部门协调", "硬件条件"]}
SOURCES = ["中央级", "省级", "市级", "区县转移", None, "单位自有", "银行贷款等", "社会资本"]
def q(s): return json.dumps(s, ensure_ascii=False)
def num(s):
    s = s.replace(",", "").replace(" ", "")
    if re.search(r'\d{4}年', s): return None  # a date, not an amount
    m = re.search(r'-?\d+(\.\d+)?', s)
    if not m: return None
    return D(m.group(0)) * (10000 if '万' in s[m.end():m.end() + 2] and '万元' not in s else 1)
def clean(s): return re.sub(r'\s+', ' ', s.replace('$', '').replace('\\geq', '≥').replace('\\%', '%')).strip()
def pct(s):
    """a figure as data files write it: '91.9%' stays a percentage, numbers stay numbers, text stays text"""
    s = s.strip()
    if re.fullmatch(r'-?[\d.,]+\s*%', s): return q(s.replace(' ', '').replace(',', ''))
    if re.fullmatch(r'-?[\d.,]+', s): return s.replace(',', '')
    return q(s)

def infer(name, weight, target, value, result, rule_text, has_fund):
    result = (result or '').replace(' ', '')
    t = re.sub(r'\s+', '', clean(rule_text))
    w = D(weight)
    target = re.sub(r'\s+', '', target); value = re.sub(r'\s+', '', value)
    # 预算执行率 × weight
    if re.search(r'预算执行率得分\s*=', t):
        if has_fund: return {"kind": "rate", "rate": "fund.预算执行率"}, None, "R2: 预算执行率取自资金表"
        return {"kind": "rate", "rate": "value"}, None, "R2"
    if '预算资金到位率' in t and '得' in t and ('80%' in t):
        tiers = [{"from": "90%", "points": float(w)}, {"from": "80%", "to": "90%", "points": float(num(re.search(r'80%[^得]*得\s*([\d.]+)', t).group(1)) if re.search(r'80%[^得]*得\s*([\d.]+)', t) else 0)}, {"to": "80%", "points": 0}]
        if has_fund: return {"kind": "tiers", "input": "fund.资金到位率", "tiers": tiers}, None, "R4: 到位率取自资金表"
    if re.search(r'预算执行率>90%', t):
        tiers = [{"from": "90%", "from_exclusive": True, "points": float(w)}, {"from": "80%", "from_exclusive": True, "to": "90%", "points": 1.27}, {"to": "80%", "points": 0}]
        return {"kind": "tiers", "input": "fund.预算执行率" if has_fund else "value", "tiers": tiers}, None, "R4: 分档；原文在恰好 90%、80% 处有空档（>90%，90%>x>80%，<80%）"
    if '≤' in t and '得' in t:
        return None, None, "分档区间规则（含≤）：按评分结果录入"
    if '酌情' in t:
        return None, None, "R24: 否则酌情扣分，评分人给分"
    m = re.search(r'有一处\s*不(健全|完备|完善)扣\s*([\d.]+)\s*分', t)
    if m:
        ok = target.strip()
        return {"kind": "incidents", "count": f"if(value == '{ok}', 0, value)", "deduct": float(D(m.group(2)))}, None, f"R11: 业绩值为“{ok}”即无一处不健全；否则填不健全的处数"
    m = re.search(r'每(少|下降|减少)\s*([\d.]+)\s*(%|％)\s*[,，]?\s*扣\s*([\d.]+)', t)
    if m:
        tm = re.search(r'(?:≥|达到|达)\s*([\d.]+)\s*%', t)
        tgt = (tm.group(1) + "%") if tm else (target.strip() if '%' in target else target.strip() + "%")
        return {"kind": "shortfall", "target": tgt, "step": m.group(2) + "%", "deduct": float(D(m.group(4)))}, "pct", "R5: 每少N%扣分，按比例计"
    m = re.search(r'每减少\s*([\d.]+)\s*(册|家|场|次|人|个)\s*扣\s*([\d.]+)', t)
    if m:
        tm = re.search(r'≥\s*([\d.]+)', t)
        return {"kind": "shortfall", "target": float(D(tm.group(1))) if tm else None, "step": float(D(m.group(1))), "deduct": float(D(m.group(3))), "steps": "whole"}, None, "R6: 每减少N个扣分，按整步计（部分不计）"
    m = re.search(r'每减少一次扣\s*([\d.]+)', t)
    if m:
        tm = re.search(r'≥\s*([\d.]+)', t)
        return {"kind": "shortfall", "target": float(D(tm.group(1))) if tm else None, "step": 1, "deduct": float(D(m.group(1))), "steps": "whole"}, None, "R6"
    m = re.search(r'(?:得分|分数)=实际业绩值/([\d.]+)', t)
    if m:
        return {"kind": "proportional", "target": float(D(m.group(1)))}, "number", "R1: 按实际/目标比例，封顶"
    if re.search(r'得分=\(?[^=]*实际[^=/]*/[^=]*目标[^=]*\)?\*', t):
        return {"kind": "proportional"}, "number", "R1: 得分 = 实际数 / 目标数 × 分值，封顶"
    ym = re.fullmatch(r'(\d{4})年(\d{1,2})月(\d{1,2}日)?(前)?', target)
    if ym and ('及时' in t or '完成' in t or '前' in t or '更新' in t):
        late = re.search(r'每递延一个月扣([\d.]+)', t)
        ok_value = value in ('及时', '按时', '按期', '按期完成', '已完成') or re.fullmatch(r'\d{4}(年|-)\d{1,2}(月|-)?.*', value)
        if not ok_value:
            return None, None, "R9 按期完成，但业绩值不是年月：按评分结果录入"
        return {"kind": "lateness", "due": f"{ym.group(1)}-{int(ym.group(2)):02d}", "deduct": float(D(late.group(1))) if late else float(w)}, "month", \
            ("R9: 每递延一个月扣分" if late else "R9: 逾期即不得分（deduct 取满分）")
    m = re.search(r'(?:≥|>=|达到|大于等于|大于)([\d.]+)(%?)', t)
    tnum = num(target) if re.fullmatch(r'[≥>=]?[\d.,]+\s*%?[^\d]{0,4}', target) else None
    if (m or tnum is not None) and num(value) is not None and ('不得分' in t or '得' in t or '大于' in t):
        if m:
            bound, is_pct = m.group(1), bool(m.group(2))
        else:
            bound, is_pct = str(tnum), target.endswith('%')
        is_pct = is_pct or value.endswith('%')
        return {"kind": "threshold", "op": ">=", "value": bound + "%" if is_pct else float(D(bound))}, "pct" if is_pct else "number", "R3: 达到目标值得满分，否则不得分"
    items = re.findall(r'[（(]([\d.]+)分[）)]', t) or re.findall(r'得([\d.]+)分', t)
    if len(items) >= 2 and re.search(r'[1１][、.]', t):
        pts = [float(D(x)) for x in items]
        return {"kind": "checklist", "items": [{"id": str(i+1), "points": p} for i, p in enumerate(pts)]}, "checklist", "R10: 各条满足即得该条分值"
    if value == target or num(result or "0") is None or D(result or "0") < w:
        return {"kind": "threshold", "accept": [target]}, None, "R3: 定性指标，达到目标值即得分"
    return {"kind": "threshold", "accept": [target, value]}, None, "R3: 定性指标；业绩值措辞与目标值不同，评价表按达到计分，故两者均视为达到"

CJK = r'[\u4e00-\u9fff，。；：、（）“”]'
def cjk_join(s):
    """PDF extraction breaks Chinese words with spaces (“有一处 不健全”); join only between two CJK characters."""
    return re.sub(f'(?<={CJK}) (?={CJK})', '', s)

def yaml_rule(rule):
    return json.dumps({k: v for k, v in rule.items() if v is not None}, ensure_ascii=False)

report = []
# 附件2-1 … 2-6 are encoded by hand (schemes/002-0[1-6]-*.yaml); this script writes 2-7 … 2-11 only.
GENERATED = range(7, 12)
for idx in range(1, len(parts), 2):
    n = int(parts[idx]); body = parts[idx + 1]
    if n not in GENERATED: continue
    lines = body.split('\n')
    title = next(l for l in lines if '自评表' in l).replace('绩效情况自评表', '').strip()
    pid = title if title != '财政专项资金项目' else f"{title}（附件2-{n}）"
    # fund table
    fund = {}
    for l in lines:
        f = l.split('\t')
        key = {"预算安排": "budget", "项目实际投入": "invested", "资金到位": "arrived", "实际支出": "spent"}.get(f[0].strip())
        if key and len(f) >= 7:
            f = f + [""] * 12
            fund[key] = {SOURCES[i]: num(f[4 + i]) for i in range(8) if SOURCES[i] and num(f[4 + i] or "") is not None}
        lab = f[0].replace(' ', '')
        for k, name in [("资金结余", "结余"), ("预算执行率(%)", "预算执行率"), ("资金到位率(%)", "资金到位率"), ("资金实际支出率(%)", "资金实际支出率")]:
            if lab == k and len(f) > 2 and num(f[2]) is not None:
                fund.setdefault("printed", {})[name] = f[2].strip().replace(',', '')
    items = []
    try:
        start = next(i for i, l in enumerate(lines) if l.startswith('合计\t') and i > 0)
        for l in lines[start + 1:]:
            f = l.split('\t')
            if not l.strip(): continue
            if '附表' in l or l.startswith('三') or '评分表' in l: break
            if len(f) < 2 or not f[0].strip(): continue
            if num(f[1]) is None: continue  # a sub-project listed without spending
            items.append((f[0].strip(), num(f[1])))
    except StopIteration:
        pass
    # score table
    head = next(i for i, l in enumerate(lines) if l.startswith('一级指标\t三级指标'))
    tree = []; current1 = None; current2 = None; total = grade = None; last = None
    for l in lines[head + 1:]:
        f = l.split('\t')
        if f[0].strip() == '总计':
            total = next(x for x in f[2:][::-1] if x.strip()).replace(' ', ''); continue
        if f[0].strip() == '评价等级':
            grade = next(x for x in f[2:][::-1] if x.strip()).strip(); break
        if f[0].strip() in LEVEL1:
            current1 = {"name": f[0].strip(), "max": num(f[2]), "groups": []}; tree.append(current1); current2 = None; continue
        nonempty = [x for x in f if x.strip()]
        if not nonempty: continue
        if len(f) >= 3 and not f[0].strip() and not f[1].strip() and num(f[2]) is not None and not any(x.strip() for x in f[3:5]) :
            if num(f[2]) == 0: current2 = None; continue
            current2 = {"max": num(f[2]), "leaves": []}; current1["groups"].append(current2); continue
        if all(not x.strip() for x in f[:6]) and len(f) >= 7 and last is not None:
            last["text"] += f[6]; continue
        row = f[1:] if not f[0].strip() else f
        row = [x.strip() for x in row] + [""] * 7
        if not row[0] or num(row[1]) is None or current2 is None:
            if last is not None and len(nonempty) == 1: last["text"] += nonempty[0]
            continue
        last = {"name": row[0], "max": num(row[1]), "target": row[2], "value": row[3], "result": row[4].replace(' ', ''), "text": row[5]}
        current2["leaves"].append(last)
    has_fund = "budget" in fund
    # emit scheme
    S = [f"# Seed 002 附件2-{n}: {title} 绩效情况自评表（深圳市残联）. Generated from the seed table by",
         "# scripts/seeds/gen002.py; rule texts verbatim, machine rules recognised from their wording (see the comments).",
         f"scheme:\n  id: \"002-{n:02d}\"\n  name: {q(title + ' 绩效自评')}\n  year: 2019\n  subject_kind: project\n  total: 100\n  source: 002 附件2-{n}",
         "grades:  # 自评表的等级：优秀 ≥90, 良好 [80,90), 中 [60,80), 差 <60 (judgement: the table prints only 优秀)",
         "  bands:\n    - {grade: 优秀, min: 90}\n    - {grade: 良好, min: 80}\n    - {grade: 中, min: 60}\n    - {grade: 差, min: 0}",
         "indicators:"]
    values = []; printed = []; counts = {"judged": 0, "rules": 0}
    for i1, l1 in enumerate(tree, 1):
        S.append(f"  - code: \"{i1}\"\n    name: {l1['name']}\n    max: {l1['max']}\n    children:")
        names = GROUP_NAMES[l1['name']]
        for i2, g in enumerate(l1["groups"], 1):
            gname = "服务对象满意度" if any('满意' in x['name'] for x in g['leaves']) and l1['name'] == '效果目标' else (names[i2 - 1] if i2 <= len(names) else f"二级指标{i2}")
            S.append(f"      - code: \"{i1}.{i2}\"\n        name: {gname}\n        max: {g['max']}\n        children:")
            for i3, leaf in enumerate(g["leaves"], 1):
                code = f"{i1}.{i2}.{i3}"
                rule, kind, why = infer(leaf['name'], leaf['max'], leaf['target'], leaf['value'], leaf['result'], leaf['text'], has_fund)
                if rule and rule.get("kind") == "proportional" and "target" not in rule:
                    if num(leaf['target']) is None:
                        rule, why = None, "R1 但目标值不是数字：按评分结果录入"
                    else:
                        rule["target"] = float(num(leaf['target']))
                numeric_rule = rule and (rule.get("kind") in ("shortfall", "proportional") or (rule.get("kind") == "threshold" and "value" in rule))
                if numeric_rule and num(leaf['value']) is None:
                    why = "业绩值“%s”不是数字，无法按 %s 规则计算：按评分结果录入" % (leaf['value'], rule['kind'])
                    rule, kind = None, None
                S.append(f"          - code: \"{code}\"\n            name: {q(leaf['name'])}\n            max: {leaf['max']}")
                if leaf['target']: S.append(f"            target: {q(cjk_join(leaf['target']))}")
                S.append(f"            text: {q(cjk_join(clean(leaf['text'])))}")
                S[-2] = S[-2] if not leaf['target'] else S[-2]
                if rule is None:
                    counts["judged"] += 1
                    S.append(f"            rule: {{kind: judged}}  # {why}")
                    values.append((code, leaf['result'] or "0"))
                else:
                    counts["rules"] += 1
                    if rule.get("kind") == "shortfall" and rule.get("target") is None: rule.pop("target")
                    S.append(f"            rule: {yaml_rule(rule)}  # {why}")
                    numeric = rule.get("kind") in ("shortfall", "proportional") or (rule.get("kind") == "threshold" and "value" in rule)
                    if numeric and "fund." not in json.dumps(rule, ensure_ascii=False):
                        v = re.sub(r'\s+', '', leaf['value'])
                        nv = num(v)
                        if v.startswith('每季度') and nv is not None: nv = nv * 4
                        is_pct = v.endswith('%') or (kind == "pct")
                        values.append((code, q(f"{nv}%") if is_pct and nv is not None else (str(nv) if nv is not None else q(v))))
                    elif kind == "checklist":
                        values.append((code, q("all") if D(leaf['result'] or 0) >= D(leaf['max']) else None))
                        if D(leaf['result'] or 0) < D(leaf['max']):
                            S[-1] = f"            rule: {{kind: judged}}  # R10 清单，但评分结果低于满分而未指明未满足的条目：按评分结果录入"
                            counts["judged"] += 1; counts["rules"] -= 1
                            values[-1] = (code, leaf['result'])
                    elif rule.get("kind") in ("rate", "tiers") and ("fund." in json.dumps(rule, ensure_ascii=False)):
                        values.append((code, pct(leaf['value'])))
                    elif kind == "pct" and num(leaf['value']) is not None:
                        values.append((code, q(str(num(leaf['value'])) + "%")))
                    elif kind == "number":
                        values.append((code, str(num(leaf['value']))))
                    elif kind == "month":
                        v = re.sub(r'\s+', '', leaf['value'])
                        mm = re.match(r'(\d{4})(?:年|-)(\d{1,2})', v)
                        values.append((code, q(f"{mm.group(1)}-{int(mm.group(2)):02d}") if mm else q(v)))
                    elif rule.get("kind") == "threshold" and "accept" in rule:
                        values.append((code, q(re.sub(r'\s+', '', leaf['value']))))
                    else:
                        values.append((code, pct(leaf['value'])))
                if leaf['result']: printed.append((code, leaf['result']))
    open(os.path.join(os.path.dirname(__file__), "../../") + f"schemes/002-{n:02d}-{slugs[n]}.yaml", "w").write("\n".join(S) + "\n")
    Dt = [f"scheme: \"002-{n:02d}\"", "period: \"2019\"",
          f"notes: |\n  {title}: 业绩值 as printed in the self-evaluation table of seed 002 附件2-{n}; for judged indicators the",
          "  value is the printed 评分结果. The fund table and its printed rates are audited too.",
          "subjects:", f"  - id: {q(pid)}", f"    name: {q(title)}", "    values:"]
    for code, v in values:
        if v is not None: Dt.append(f"      \"{code}\": {v}")
    if has_fund:
        srcs = sorted({k for row in ("budget", "invested", "arrived", "spent") for k in fund.get(row, {})}, key=lambda s: SOURCES.index(s))
        Dt.append("    fund_table:\n      sources: [" + ", ".join(srcs) + "]")
        for row in ("budget", "invested", "arrived", "spent"):
            Dt.append(f"      {row}: {{" + ", ".join(f"{k}: {v}" for k, v in fund.get(row, {}).items()) + "}")
        if items:
            Dt.append("      items:")
            for nm, sp in items: Dt.append(f"        - {{name: {q(nm)}, spent: {sp}}}")
    Dt.append("    printed:\n      scores:")
    for code, r in printed: Dt.append(f"        \"{code}\": {r}")
    if total: Dt.append(f"      total: {total}")
    if grade: Dt.append(f"      grade: {grade}")
    if fund.get("printed"):
        Dt.append("      fund: {" + ", ".join(f"{k}: {q(v + '%') if k != '结余' else v}" for k, v in fund["printed"].items()) + "}")
    open(os.path.join(os.path.dirname(__file__), "../../") + f"examples/002-{n:02d}-{slugs[n]}.yaml", "w").write("\n".join(Dt) + "\n")
    report.append(f"002-{n:02d} {title}: {counts['rules']} rules, {counts['judged']} judged, total {total}, grade {grade}, fund {'yes' if has_fund else 'no'}")
print("\n".join(report))
