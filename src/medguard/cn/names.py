"""Chinese personal names: surname tables, a splitter, and a generator.

A name is a surname (single, like 张, or compound, like 欧阳) and one or two given characters.
The splitter tries compound surnames first, so 欧阳娜娜 → (欧阳, 娜娜) while 欧娜 → (欧, 娜).
Frequencies are approximate shares of the population (per cent) from published surname
rankings (the 2020 census household-registration statistics); they drive the generator and the
scanner's name prior, not any legal decision.

:data:`SURNAMES` and :data:`COMPOUND_SURNAMES` hold the full list: the Hundred Family Surnames
(百家姓), the surnames of today's population that it lacks, and the traditional-character forms
of the common ones (``_data/surnames.txt`` names its sources). :data:`GIVEN_NAME_CHARACTERS`
holds characters common in given names, which tells a name from an ordinary word that starts
with a rare or word-like surname (和, 应, 全, 查).
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from medguard.cn.normalize import to_halfwidth
from medguard.errors import InvalidIdentifier

__all__ = [
    "COMPOUND_SURNAMES",
    "GIVEN_NAME_CHARACTERS",
    "SURNAMES",
    "SURNAME_FREQUENCY",
    "TIBETAN_NAME_PARTS",
    "Name",
    "generate",
    "is_valid",
    "normalize",
    "parse",
    "split_name",
]

_KIND = "name"

# Single surnames with approximate population share (%), most common first.
_SINGLE = (
    "王7.25 李7.09 张6.80 刘5.38 陈4.55 杨3.08 黄2.34 赵2.29 吴2.05 周1.98 徐1.61 孙1.51 马1.49 "
    "朱1.38 胡1.31 郭1.16 何1.14 林1.09 高1.06 罗1.05 郑0.99 梁0.98 谢0.81 宋0.75 唐0.74 "
    "许0.70 韩0.68 冯0.67 邓0.66 曹0.65 彭0.61 曾0.60 肖0.57 田0.56 董0.53 袁0.52 潘0.51 "
    "于0.50 蒋0.49 蔡0.48 余0.47 杜0.46 叶0.45 程0.44 苏0.42 魏0.41 吕0.40 丁0.39 任0.38 "
    "沈0.37 姚0.36 卢0.35 姜0.34 崔0.33 钟0.32 谭0.31 陆0.30 汪0.29 范0.28 金0.27 石0.26 "
    "廖0.25 贾0.24 夏0.23 韦0.22 付0.21 方0.20 白0.20 邹0.19 孟0.19 熊0.18 秦0.18 邱0.17 "
    "江0.17 尹0.16 薛0.16 闫0.15 段0.15 雷0.14 侯0.14 龙0.13 史0.13 陶0.12 黎0.12 贺0.12 "
    "顾0.11 毛0.11 郝0.11 龚0.10 邵0.10 万0.10 钱0.10 严0.09 覃0.09 武0.09 戴0.09 莫0.08 "
    "孔0.08 向0.08 汤0.08 常0.07 温0.07 康0.07 施0.07 文0.07 牛0.06 樊0.06 葛0.06 邢0.06 "
    "安0.05 齐0.05 易0.05 乔0.05 伍0.05 庞0.05 颜0.05 倪0.05 庄0.04 聂0.04 章0.04 鲁0.04 "
    "岳0.04 翟0.04 殷0.04 詹0.04 申0.04 欧0.04 耿0.04 关0.04 兰0.03 焦0.03 俞0.03 左0.03 "
    "柳0.03 甘0.03 祝0.03 包0.03 宁0.03 尚0.03 符0.03 舒0.03 阮0.03 柯0.03 纪0.03 梅0.03 "
    "童0.03 凌0.03 毕0.03 单0.03 季0.03 裴0.03 霍0.03 涂0.03 成0.03 苗0.03 谷0.03 盛0.03 "
    "曲0.02 翁0.02 冉0.02 骆0.02 蓝0.02 路0.02 游0.02 辛0.02 靳0.02 管0.02 柴0.02 蒙0.02 "
    "鲍0.02 华0.02 喻0.02 祁0.02 蒲0.02 房0.02 滕0.02 屈0.02 饶0.02 解0.02 牟0.02 艾0.02 "
    "尤0.02 阳0.02 时0.02 穆0.02 农0.02 司0.02 卓0.02 古0.02 吉0.02 缪0.02 简0.02 车0.02 "
    "项0.02 连0.02 芦0.02 麦0.02 褚0.02 娄0.02 窦0.02 戚0.02 岑0.02 景0.02 党0.02 宫0.02 "
    "费0.02 卜0.02 冷0.02 晏0.02 席0.02 卫0.02 米0.02 柏0.02 宗0.02 瞿0.02 桂0.02 全0.02 "
    "佟0.02 应0.02 臧0.02 闵0.02 苟0.02 邬0.02 边0.02 卞0.02 姬0.02 师0.02 和0.02 仇0.02 "
    "栾0.02 隋0.02 商0.02 刁0.02 沙0.02 荣0.02 巫0.02 寇0.02 桑0.02 郎0.02 甄0.02 丛0.02 "
    "仲0.02 虞0.02 敖0.02 巩0.02 明0.02 佘0.02 池0.02 查0.02 麻0.02 苑0.02 迟0.02 邝0.02 "
    "官0.01 封0.01 谈0.01 匡0.01 鞠0.01 惠0.01 荆0.01 乐0.01 冀0.01 郁0.01 胥0.01 南0.01 "
    "班0.01 储0.01 原0.01 栗0.01 燕0.01 楚0.01 鄢0.01 劳0.01 谌0.01 奚0.01 皮0.01 粟0.01 "
    "冼0.01 蔺0.01 楼0.01 盘0.01 满0.01 闻0.01 位0.01 厉0.01 伊0.01 仝0.01 区0.01 郜0.01 "
    "海0.01 阚0.01 花0.01 权0.01 强0.01 帅0.01 屠0.01 豆0.01 朴0.01 盖0.01 练0.01 廉0.01 "
    "禹0.01 井0.01 祖0.01 漆0.01 巴0.01 丰0.01 支0.01 卿0.01 国0.01 狄0.01 平0.01 计0.01 "
    "索0.01 宣0.01 晋0.01 相0.01 初0.01 门0.01 云0.01 容0.01 敬0.01 来0.01 扈0.01 晁0.01 "
    "芮0.01 都0.01 普0.01 阙0.01 浦0.01 戈0.01 伏0.01 鹿0.01 薄0.01 邸0.01 雍0.01 辜0.01 "
    "羊0.01 阿0.01 乌0.01 母0.01 裘0.01 亓0.01 修0.01 邰0.01 赫0.01 杭0.01 况0.01 那0.01 "
    "宿0.01 鲜0.01 印0.01 逯0.01 隆0.01 茹0.01 诸0.01 战0.01 慕0.01 危0.01 玉0.01 银0.01 "
    "亢0.01 嵇0.01 公0.01 哈0.01 湛0.01 宾0.01 戎0.01 勾0.01 茅0.01 利0.01 於0.01 呼0.01 "
    "居0.01 揭0.01 干0.01 但0.01 尉0.01 冶0.01 斯0.01 元0.01 束0.01 檀0.01 衣0.01 信0.01 "
    "展0.01 阴0.01 昝0.01 智0.01 幸0.01 奉0.01 植0.01 衡0.01 富0.01 尧0.01 闭0.01 由0.01 "
    "傅0.35 赖0.20 洪0.10 萧0.03 阎0.03"
)
_COMPOUND = (
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 夏侯 长孙 宇文 司徒 端木 西门 南宫 "
    "独孤 轩辕 万俟 闻人 澹台 公冶 宗政 濮阳 淳于 单于 太叔 申屠 钟离 呼延 百里 东郭 "
    "赫连 拓跋 第五 左丘 谷梁 司空 亓官 梁丘 段干 乐正 公羊 仲孙 鲜于"
)


def _listed_surnames() -> tuple[str, ...]:
    """Every surname of ``_data/surnames.txt`` (comment and section lines skipped)."""
    text = resources.files("medguard.cn").joinpath("_data/surnames.txt").read_text("utf-8")
    lines = (line for line in text.splitlines() if line and line[0] not in "#[")
    return tuple(name for line in lines for name in line.split())


_LISTED = _listed_surnames()
#: Single-character surnames → approximate share of the population (%).
SURNAME_FREQUENCY: dict[str, float] = {
    item[0]: float(item[1:]) for item in _SINGLE.split()
} | dict.fromkeys(_COMPOUND.split(), 0.001)
#: Every known single-character surname (the common ones and the full list).
SURNAMES: frozenset[str] = frozenset(item[0] for item in _SINGLE.split()) | frozenset(
    name for name in _LISTED if len(name) == 1
)
#: Two-character (compound) surnames, tried before single ones when splitting.
COMPOUND_SURNAMES: frozenset[str] = frozenset(_COMPOUND.split()) | frozenset(
    name for name in _LISTED if len(name) == 2
)
#: Characters common in given names (simplified and traditional): a candidate whose surname
#: is rare or doubles as an ordinary word (和, 应, 全) is a name only with given characters
#: from here (和平 and 全军 may be names; 和家属, 全般 and 应于 are not).
GIVEN_NAME_CHARACTERS: frozenset[str] = frozenset(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂兰玉萍红华建国文辉力燕梅玲宇浩凯健俊帆帅"
    "旭宁龙林欣峰志博晨阳天昊鹏飞鑫波斌琳丹洁颖雪慧倩婷佳怡晶莉璐薇琪瑶雯月蕾兵彬海亮成东晓"
    "春雷珍凤琴云莲荣新宏德福生祥瑞泽润鸿嘉子涵梓轩诗语思雨悦可馨一诺依彤萱然若菲晗琦瑾璇茜"
    "蓉芝菊香淑惠贤珊珠翠娥莺琼洪清宸皓睿哲铭远航振乐安康永长庆喜贵发财富全胜利学武彪虎豹鹤"
    "松柏竹荷芬苹聪智毅坚锋锐钢铁金银珏琨瑜璋琛瑄璟美婉婕媛妍姝娴婧娇妮姗婵嫣蓓蕊芸茹莎芮芷"
    "苑晴曦昕昱星辰光煌灿耀澜瀚源沛渊翔翼腾跃奇岩山川森树桐杨柳枫桦楠彦书画棋韵音欢愉恬雅致"
    "向恩仁义礼信忠孝廉正直方圆泰和顺禄寿宝钰锦绣绮彤青蓝紫碧绿黛素白冰霜露霞虹鸾鹃鸣声扬舟"
    "达越凯兴业功名茂丰秋冬夏立世中大小仲伯叔季元亚少宗家继承光耀祖传友良善仪容贞烈淑"
    "婉娟妹姣嫦娅婷婧姿媚巧颜桃杏梨枝叶芽蓉菁莹萤滢瑛瑗琰璐琳珂琬瑶璇瑞玮炜烨焕灵秀隽逸"
    "晖晟晔暄曜朗朝旺昌盛晋景智慧敬钦铮锡镇银锋锐桥梁栋材杉槐榕森淼淳涌浪沁溪滨潇洲湘江河"
    "湖泉涵润泓澄洁沂汉汝凡帆轩宣宪容宏宇守安定宜富宽实宾寅尧舜禹夏商周殷汤武文成康昭穆"
    "偉強軍傑濤華輝紅麗燕鳳蘭萍琳玲婷潔瑩穎慧雯霞鳴鵬飛龍鑫豪權順達廣大文明德美"
    "雁鸥鹰骏驰骁腾彩霓裳绫罗纱绮缘媛嫱婉娉婷姬娆娣姐妹儿童孩仔宝贝蛋妞丫芹琴瑟笙箫笛筝菱萃"
    "蔚蓬薇藤蕙兰芙蓉茉莉芊芃苒茵荟莘菀菡萌蓁蕴藻蔓雯霏霖霆震霄雳露霁靓静婧竣峻崇嵘巍峨岚峥"
    "嵩崧巧艺技能才俊英豪杰彦贤哲圣伦理道义勤俭朴淳厚谦逊恭敬温柔刚毅坚韧果敢勇猛威武雄壮"
    "健壮康泰宁静安逸闲适悠扬远航帆樯桅舰艇锚港湾津渡浦洲渚汀沙滩涧溪泉瀑潭池沼塘泽湖海洋"
    "超群拔萃卓越非凡伟大宏图鹏程万里锦程似锦前程似锦福寿禄喜吉祥如意平安顺利发达兴旺昌隆"
    "甜蜜糖香馥郁芬芳馨蕊艳娇媚妩姿态仪表端庄秀丽俏佳丽靖琪瑜瑕璞琢磨砺礪磊砚石坚固钧铎鑫"
    "淼焱垚森犇骉晶品众伟俊剑锋钊钦镇铖锟锦铄铭钢镭佑佐侃倩傲僖儒允兆光克免兑党兢冉冠冰凝"
    "凯凌凛函刘则创初劲勋勉励劭勃卉卓博卫卿厚叙可吉名启君含吟咏哲唯善喆嘉圆坤培基堂增士壮"
    "奕妙姣娜娟婕媛子孜学宇守安宏宗官定宜宝实宣宸家容宾寅富寒宽崇川州巍希帆庭康廷建弘强彤"
    "彦彬彰征徐德心志忠念怀思恒恩悦惠慈慕懿成戈才振捷敏文斐斌斯新旭昂昆昊昌明星春昭晋晓晖晗"
    "晨晴晶智暄曦曼月朋朗木杉材杰松林枫柏栋树桐梓梦梧楠欣正武毓民永江池沛泓泽洋津洪浩涵润"
    "清渊源溢滨漫澜澄然煜熙燕爱玉玮珂珍珊珏琛琦琨瑞瑶璇璐登白皓益盛真睿石磊祥福禧秀秋程穗立"
    "竣笑筠築紫红纯维绪翔翠翰耀聪育胜舒航良艾芃芳芝苗若英茂茜荣莉莎莹菁萍萌蓉蓓蕾薇虹融行"
    "裕西訓诚诗语谦豪贝贤赫越跃轩辉辰达迪远逸道邦郁采金鑫铭锦镇长闻阳雅雨雪雯震霖露青靖韵"
    "顺颖飞香馨驰骏高魁鸣鸿鹏鹤黎"
)
#: Two-character parts of Tibetan names, which have no surname: 扎西卓玛 is 扎西 + 卓玛.
TIBETAN_NAME_PARTS: frozenset[str] = frozenset(
    (  # noqa: SIM905 - a word list reads best as text
        "扎西 次仁 卓玛 拉姆 平措 顿珠 旺堆 多吉 格桑 央金 丹增 达瓦 尼玛 白玛 索朗 德吉 曲珍 "
        "普布 巴桑 边巴 益西 洛桑 桑珠 措姆 仓决 群培 旦增 罗布 次旦 拉巴 米玛 土登 贡布 "
        "强巴 阿旺 旺姆 琼达 德央 玉珍 永珍 卓嘎 次珍 旦巴 尼珍 巴珠 嘎玛 西绕 斯朗"
    ).split()
)

_MALE_GIVEN = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欣建国峰志文博晨阳天昊"
_FEMALE_GIVEN = "芳娜敏静丽艳娟霞秀英玲燕萍红琳丹洁颖雪慧倩婷佳怡晶欣梅莉璐薇琪瑶雯月蕾桂兰"
# Han characters: Extension A and the basic block, compatibility ideographs, and Extensions B-H
# outside the BMP (U+20000-U+323AF), where rare name characters live (王𠮷).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
_CJK = re.compile(rf"^[{_HAN}]+(?:[·•][{_HAN}]+)*$")
_DOTS = str.maketrans({"•": "·", "・": "·", ".": "·"})


@dataclass(frozen=True)
class Name:
    """A name split into surname and given name; ``known_surname`` says the table knew it."""

    surname: str
    given: str
    compound: bool
    known_surname: bool


def normalize(value: str) -> str:
    """Strip spaces (common in forms: ``张 三``) and unify the middle dot of minority names."""
    return "".join(to_halfwidth(value).split()).translate(_DOTS)


def split_name(name: str) -> tuple[str, str]:
    """Split ``name`` into ``(surname, given)``; compound surnames first, else the first char."""
    text = normalize(name)
    if "·" in text:  # minority names: the part before the dot is the family (house) name
        surname, _, given = text.partition("·")
        return surname, given
    if len(text) >= 3 and text[:2] in COMPOUND_SURNAMES:
        return text[:2], text[2:]
    return text[:1], text[1:]


def parse(value: str) -> Name:
    """Parse a Chinese name (2-4 Han characters, or a minority name with ``·``)."""
    if not isinstance(value, str):
        raise InvalidIdentifier(_KIND, f"expected a string, got {type(value).__name__}")
    text = normalize(value)
    if not _CJK.match(text):
        raise InvalidIdentifier(_KIND, "bad characters: Han characters expected")
    if "·" not in text and not 2 <= len(text) <= 4:
        raise InvalidIdentifier(_KIND, f"bad length: {len(text)} characters, expected 2-4")
    surname, given = split_name(text)
    compound = surname in COMPOUND_SURNAMES
    return Name(surname, given, compound, compound or surname in SURNAMES or "·" in text)


def is_valid(value: object, *, require_known_surname: bool = True) -> bool:
    """True for a plausible Chinese name (by default with a surname in the tables)."""
    try:
        name = parse(value)  # type: ignore[arg-type]
    except InvalidIdentifier:
        return False
    return name.known_surname or not require_known_surname


_WEIGHTED = tuple(SURNAME_FREQUENCY.items())
_CUMULATIVE = tuple(itertools.accumulate(w for _, w in _WEIGHTED))


def generate(
    rng: random.Random | None = None,
    *,
    sex: Literal["male", "female"] | None = None,
    surname: str | None = None,
) -> str:
    """A random name: surname drawn by frequency, 1-2 given characters suiting ``sex``."""
    rng = rng or random.Random()  # noqa: S311 - synthetic data, not secrets
    if surname is None:
        surname = rng.choices([s for s, _ in _WEIGHTED], cum_weights=_CUMULATIVE)[0]
    sex = sex or rng.choice(("male", "female"))
    pool = _MALE_GIVEN if sex == "male" else _FEMALE_GIVEN
    given = "".join(rng.choice(pool) for _ in range(rng.choice((1, 2, 2))))
    return surname + given
