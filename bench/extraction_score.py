#!/usr/bin/env python3
"""Glue for bench/extraction_bench.sh: turns feedd's JSON lines into the
benchmark's prediction format, runs readability-lxml on the same pages
(timing its CPU per page), scores both with the benchmark's evaluate.py and
prints the summary, per-page CPU medians and feedd's worst pages."""
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

data, work = Path(sys.argv[1]), Path(sys.argv[2])
pages = work / "pages"


def page_id(path):
    return Path(path).name.removesuffix(".html")


def load_evaluate():
    spec = importlib.util.spec_from_file_location("evaluate", data / "evaluate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def feedd_predictions():
    out = {}
    for line in (work / "feedd.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        out[page_id(item["input"])] = {"articleBody": item.get("text") or ""}
    return out


def readability_predictions():
    from lxml import html as lxml_html
    from readability import Document
    out, cpu = {}, []
    for path in sorted(pages.glob("*.html")):
        raw = path.read_bytes()
        start = time.process_time()
        try:
            summary = Document(raw).summary(html_partial=True)
            text = "\n".join(t.strip() for t in lxml_html.fromstring(summary).itertext() if t.strip())
        except Exception as error:  # a page the peer cannot read scores zero, as in the benchmark
            print(f"readability-lxml: {path.name}: {error}", file=sys.stderr)
            text = ""
        cpu.append((time.process_time() - start) * 1000)
        out[page_id(path)] = {"articleBody": text}
    return out, cpu


def main():
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    feedd = feedd_predictions()
    missing = set(truth) - set(feedd)
    for key in missing:
        feedd[key] = {"articleBody": ""}
    readability, readability_cpu = readability_predictions()
    (work / "output" / "feedd.json").write_text(json.dumps(feedd, ensure_ascii=False))
    (work / "output" / "readability_lxml.json").write_text(json.dumps(readability, ensure_ascii=False))
    print(subprocess.run([sys.executable, str(data / "evaluate.py"), "--n-bootstrap", "200"], cwd=work,
                         check=True, capture_output=True, text=True).stdout, end="")

    feedd_cpu = []
    for line in (work / "feedd_cpu.txt").read_text().splitlines():
        if line.startswith("median"):
            continue
        feedd_cpu.append(float(line.split()[1]))
    print(f"CPU per page, median: feedd {statistics.median(feedd_cpu):.2f} ms "
          f"(max {max(feedd_cpu):.2f}), readability-lxml {statistics.median(readability_cpu):.2f} ms "
          f"(max {max(readability_cpu):.2f})")
    if missing:
        print(f"feedd printed nothing for {len(missing)} page(s): {sorted(missing)}")

    evaluate = load_evaluate()
    scored = []
    for key, item in truth.items():
        tp, fp, fn = evaluate.string_shingle_matching(item.get("articleBody", ""), feedd[key]["articleBody"])
        precision = evaluate.precision_score(tp, fp, fn)
        recall = evaluate.recall_score(tp, fp, fn)
        f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
        scored.append((f1, precision, recall, key, item.get("url", "")))
    scored.sort()
    print("worst pages for feedd (F1 precision recall id url):")
    for f1, precision, recall, key, url in scored[:int(sys.argv[3]) if len(sys.argv) > 3 else 10]:
        print(f"  {f1:.3f} {precision:.3f} {recall:.3f} {key} {url}")


main()
