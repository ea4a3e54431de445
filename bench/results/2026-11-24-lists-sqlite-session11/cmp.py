import csv,sys
a={r['query']:r for r in csv.DictReader(open(sys.argv[1]),delimiter='\t')}
b={r['query']:r for r in csv.DictReader(open(sys.argv[2]),delimiter='\t')}
print('A mean', round(sum(float(r['ms']) for r in a.values())/len(a),2), 'B mean', round(sum(float(r['ms']) for r in b.values())/len(b),2), 'totals differ', sum(1 for k in a if k in b and a[k]['total']!=b[k]['total']))
for k in sorted(b, key=lambda k:-float(b[k]['ms']))[:int(sys.argv[3]) if len(sys.argv)>3 else 25]: print(f"{float(a[k]['ms']) if k in a else -1:7.1f} -> {float(b[k]['ms']):7.1f} {b[k]['total']:>7} {k}")
