/// The self-evaluation form's fund table as the owner types: 小计, 合计, 结余 and the three rates of every
/// column, and the 项目支出内容 合计. Display only, in the browser's numbers: the saved figures and the scores
/// are the server's, in exact decimals (`FundTable`).
enum SelfEvaluationScript {
    static let text = """
        const fundTable = document.getElementById('fund-table');
        if (fundTable) {
          const financial = ['中央级', '省级', '市级', '区县转移'], other = ['单位自有', '银行贷款等', '社会资本'];
          const columns = {'合计': financial.concat(other), '财政资金小计': financial, '其他资金小计': other};
          for (const source of financial.concat(other)) columns[source] = [source];
          const amount = (text) => { const n = Number(String(text).replace(/[,，\\s]/g, '')); return isFinite(n) ? n : 0; };
          const money = (n) => (Math.round(n * 100) / 100).toFixed(2);
          const rate = (a, b) => b === 0 ? '—' : (Math.round(a / b * 10000) / 100).toFixed(2) + '%';
          const updateFund = () => {
            const cell = {};
            for (const input of fundTable.querySelectorAll('input[data-fund]')) cell[input.dataset.fund + '|' + input.dataset.source] = amount(input.value);
            const any = Object.values(cell).some((n) => n !== 0);
            for (const [column, sources] of Object.entries(columns)) {
              const sum = (row) => sources.reduce((total, source) => total + (cell[row + '|' + source] || 0), 0);
              const b = sum('预算安排'), i = sum('项目实际投入'), a = sum('资金到位'), s = sum('实际支出');
              const shown = {'预算安排': money(b), '项目实际投入': money(i), '资金到位': money(a), '实际支出': money(s), '结余': money(a - s),
                             '预算执行率': rate(s, b), '资金到位率': rate(a, b), '资金实际支出率': rate(s, a)};
              for (const [row, text] of Object.entries(shown)) {
                const target = fundTable.querySelector('[data-fund-out="' + CSS.escape(row + '|' + column) + '"]');
                if (target) target.textContent = any ? text : '';
              }
            }
          };
          fundTable.addEventListener('input', updateFund);
        }
        const fundItems = document.getElementById('fund-items');
        if (fundItems) {
          fundItems.addEventListener('input', () => {
            let total = 0;
            for (const input of fundItems.querySelectorAll('input[data-item]')) total += Number(String(input.value).replace(/[,，\\s]/g, '')) || 0;
            document.getElementById('items-total').textContent = (Math.round(total * 100) / 100).toFixed(2);
          });
        }

        """
}
