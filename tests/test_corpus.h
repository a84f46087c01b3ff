// Small, deterministic test data written in code: experts and problems of
// Quzhou's industries in Chinese and English, plus a self-cleaning temporary
// directory. Tests never read ../shared; everything they need is built here.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "corpus/model.h"

namespace expertmatch::fixture {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string base = std::filesystem::temp_directory_path().string() + "/expertmatch-XXXXXX";
    std::vector<char> buf(base.begin(), base.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) != nullptr) path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Empty if mkdtemp failed (tests assert on that).
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline Work make_work(WorkKind kind, std::string title, std::string abstract,
                      std::vector<std::string> keywords, std::optional<int> year = std::nullopt) {
  Work w;
  w.kind = kind;
  w.title = std::move(title);
  w.abstract = std::move(abstract);
  w.keywords = std::move(keywords);
  w.year = year;
  return w;
}

// Nine experts. Ids, by what the tests rely on:
//  bearing-zhang  bearings and grinding; 江山市 + 柯城区; 教授, 机械工程学院, born 1975
//  bearing-wu     bearings and vibration; 江山市; 讲师, 机械工程学院, born 1992, capacity 1
//  bearing-zhou   the strongest bearing profile of all, but available = false
//  paper-li       special paper chemistry (湿强剂); 龙游县; 副教授, 轻工学院, born 1986
//  fluoro-wang    fluorine chemistry; 衢江区; 研究员; conflicts with 巨化集团
//  battery-chen   lithium battery cathodes; 衢江区; 副教授, born 1990
//  vision-liu     machine vision, mostly English works; 柯城区 + 江山市; 教授, 信息学院
//  tea-zhao       tea, 胡柚 and camellia oil; 开化县 + 常山县; 研究员
//  wood-sun       wooden doors and adhesives; 江山市; 高级工程师, no birth year
inline std::vector<Expert> sample_experts() {
  std::vector<Expert> out;
  {
    Expert e;
    e.id = "bearing-zhang";
    e.name = "张伟";
    e.organization = "浙江工业大学";
    e.college = "机械工程学院";
    e.title = "教授";
    e.birth_year = 1975;
    e.fields = {"滚动轴承", "磨削加工", "振动与噪声"};
    e.bio = "长期从事滚动轴承套圈磨削工艺、磨削烧伤检测和轴承振动噪声分析研究。";
    e.works = {
        make_work(WorkKind::kPaper, "深沟球轴承套圈磨削烧伤的在线检测方法",
                  "针对轴承套圈滚道磨削烧伤，提出基于巴克豪森噪声的在线检测方法，"
                  "检测准确率达到95%。",
                  {"轴承", "磨削烧伤", "在线检测"}, 2021),
        make_work(WorkKind::kPatent, "一种轴承游隙自动测量装置",
                  "装置可自动测量深沟球轴承的径向游隙，提高装配质量。", {"轴承游隙", "测量"}, 2019),
        make_work(WorkKind::kProject, "滚动轴承振动噪声分析与降噪技术",
                  "研究轴承滚道波纹度和圆度对振动噪声的影响，提出降噪工艺。",
                  {"振动", "噪声", "波纹度"}, 2022),
    };
    e.capacity = 2;
    e.counties = {"江山市", "柯城区"};
    out.push_back(e);
  }
  {
    Expert e;
    e.id = "bearing-wu";
    e.name = "吴磊";
    e.organization = "衢州学院";
    e.college = "机械工程学院";
    e.title = "讲师";
    e.birth_year = 1992;
    e.fields = {"轴承故障诊断", "振动信号处理"};
    e.bio = "研究滚动轴承振动信号分析与故障诊断。";
    e.works = {
        make_work(WorkKind::kPaper, "基于振动信号的滚动轴承故障诊断",
                  "利用振动信号包络谱识别轴承外圈和内圈故障。", {"故障诊断", "振动", "轴承"}, 2023),
        make_work(WorkKind::kPaper, "轴承磨削表面粗糙度预测模型",
                  "建立磨削参数与轴承滚道表面粗糙度的预测模型。", {"磨削", "表面粗糙度"}, 2024),
    };
    e.capacity = 1;
    e.counties = {"江山市"};
    out.push_back(e);
  }
  {
    Expert e;
    e.id = "bearing-zhou";
    e.name = "周建国";
    e.organization = "浙江大学";
    e.college = "机械工程学院";
    e.title = "教授";
    e.birth_year = 1958;
    e.fields = {"滚动轴承", "磨削烧伤", "轴承振动"};
    e.bio = "深沟球轴承磨削烧伤、轴承振动噪声、轴承套圈磨削工艺专家。";
    e.works = {
        make_work(WorkKind::kPaper, "深沟球轴承磨削烧伤与振动噪声的关系",
                  "深沟球轴承套圈磨削烧伤导致振动和噪声增大，分析其机理。",
                  {"轴承", "磨削烧伤", "振动", "噪声"}, 2015),
        make_work(WorkKind::kProject, "轴承套圈磨削烧伤控制技术",
                  "控制深沟球轴承套圈磨削烧伤，降低轴承振动噪声。", {"磨削烧伤", "轴承"}, 2016),
    };
    e.available = false;
    e.counties = {"江山市"};
    out.push_back(e);
  }
  {
    Expert e;
    e.id = "paper-li";
    e.name = "李娜";
    e.organization = "浙江科技大学";
    e.college = "轻工学院";
    e.title = "副教授";
    e.birth_year = 1986;
    e.fields = {"特种纸", "造纸化学品", "湿强剂"};
    e.bio = "研究装饰原纸、格拉辛纸等特种纸的湿强剂与施胶剂应用。";
    e.works = {
        make_work(WorkKind::kPaper, "湿强剂对装饰原纸湿强度的影响",
                  "比较聚酰胺环氧氯丙烷湿强剂用量与装饰原纸湿强度、白水浆渣的关系。",
                  {"湿强剂", "湿强度", "装饰原纸"}, 2020),
        make_work(WorkKind::kPaper, "格拉辛纸打浆工艺优化",
                  "优化打浆度和浆料配比，提高格拉辛纸的透明度和抗张强度。",
                  {"格拉辛纸", "打浆", "抗张强度"}, 2022),
        make_work(WorkKind::kProject, "造纸白水回用与造纸废水处理",
                  "白水回用系统降低造纸废水排放。", {"白水回用", "造纸废水"}, 2018),
    };
    e.counties = {"龙游县"};
    out.push_back(e);
  }
  {
    Expert e;
    e.id = "fluoro-wang";
    e.name = "王强";
    e.organization = "浙江大学";
    e.college = "化学工程与生物工程学院";
    e.title = "研究员";
    e.birth_year = 1968;
    e.fields = {"氟化工", "含氟聚合物", "精馏"};
    e.bio = "从事电子级氢氟酸精馏纯化、含氟聚合物聚合工艺研究。";
    e.works = {
        make_work(WorkKind::kPaper, "电子级氢氟酸的精馏纯化与金属离子杂质控制",
                  "通过精馏和吸附去除氢氟酸中的金属离子杂质，达到电子级标准。",
                  {"电子级", "氢氟酸", "精馏", "金属离子"}, 2021),
        make_work(WorkKind::kPaper, "聚偏氟乙烯聚合工艺与分子量分布",
                  "研究聚偏氟乙烯聚合温度对分子量分布和热稳定性的影响。",
                  {"聚偏氟乙烯", "聚合", "分子量分布"}, 2019),
        make_work(WorkKind::kProject, "含氟废水处理与资源化", "含氟废水中氟化物回收与资源化利用。",
                  {"含氟废水", "资源化"}, 2020),
    };
    e.counties = {"衢江区"};
    e.conflicts = {"巨化集团"};
    out.push_back(e);
  }
  {
    Expert e;
    e.id = "battery-chen";
    e.name = "陈静";
    e.organization = "衢州学院";
    e.college = "化学与材料工程学院";
    e.title = "副教授";
    e.birth_year = 1990;
    e.fields = {"锂离子电池", "正极材料"};
    e.bio = "研究磷酸铁锂和三元正极材料的制备与改性。";
    e.works = {
        make_work(WorkKind::kPaper, "磷酸铁锂正极材料碳包覆工艺与振实密度",
                  "碳包覆提高磷酸铁锂的导电性，优化烧结工艺提高振实密度。",
                  {"磷酸铁锂", "碳包覆", "振实密度"}, 2022),
        make_work(WorkKind::kPaper, "三元前驱体共沉淀过程控制",
                  "控制共沉淀反应的pH值与氨浓度，获得球形三元前驱体。", {"三元前驱体", "共沉淀"},
                  2021),
        make_work(WorkKind::kProject, "锂离子电池循环寿命与容量衰减机理",
                  "分析正极材料结构变化导致的容量衰减。", {"循环寿命", "容量衰减"}, 2023),
    };
    e.counties = {"衢江区"};
    out.push_back(e);
  }
  {
    Expert e;
    e.id = "vision-liu";
    e.name = "刘洋";
    e.organization = "杭州电子科技大学";
    e.college = "信息学院";
    e.title = "教授";
    e.birth_year = 1980;
    e.fields = {"machine vision", "deep learning", "缺陷检测"};
    e.bio = "Works on machine vision and deep learning for industrial surface defect detection.";
    e.works = {
        make_work(WorkKind::kPaper, "Surface defect detection of bearing rings with deep learning",
                  "We train convolutional neural networks to detect scratches and grinding burns "
                  "on bearing rings in real time on a production line.",
                  {"defect detection", "deep learning", "bearings"}, 2022),
        make_work(WorkKind::kPaper, "基于机器视觉的纸张缺陷检测系统",
                  "采用机器视觉和深度学习实现纸张表面缺陷检测。", {"机器视觉", "缺陷检测"}, 2020),
        make_work(WorkKind::kProject, "Real-time object detection for industrial inspection",
                  "Object detection networks deployed on edge devices next to a PLC.",
                  {"object detection", "PLC"}, 2023),
    };
    e.counties = {"柯城区", "江山市"};
    out.push_back(e);
  }
  {
    Expert e;
    e.id = "tea-zhao";
    e.name = "赵敏";
    e.organization = "浙江农林大学";
    e.college = "茶学与茶文化学院";
    e.title = "研究员";
    e.birth_year = 1979;
    e.fields = {"茶叶加工", "胡柚深加工", "油茶"};
    e.bio = "研究绿茶杀青揉捻工艺、胡柚果汁脱苦和油茶籽油精炼。";
    e.works = {
        make_work(WorkKind::kPaper, "绿茶杀青工艺对茶多酚含量的影响",
                  "比较滚筒杀青与蒸汽杀青对绿茶茶多酚和感官品质的影响。",
                  {"绿茶", "杀青", "茶多酚"}, 2021),
        make_work(WorkKind::kPaper, "胡柚果汁脱苦工艺研究",
                  "采用大孔树脂吸附去除胡柚果汁中的柚皮苷，实现脱苦。", {"胡柚", "脱苦", "柚皮苷"},
                  2019),
        make_work(WorkKind::kProject, "油茶籽油精炼与苯并芘控制",
                  "优化油茶籽油精炼脱色工艺，控制苯并芘含量。", {"油茶", "精炼", "苯并芘"}, 2022),
    };
    e.counties = {"开化县", "常山县"};
    out.push_back(e);
  }
  {
    Expert e;
    e.id = "wood-sun";
    e.name = "孙浩";
    e.organization = "衢州职业技术学院";
    e.college = "机电工程学院";
    e.title = "高级工程师";
    e.fields = {"木材改性", "胶黏剂"};
    e.bio = "从事实木复合门开裂翘曲控制与低甲醛胶黏剂研究。";
    e.works = {
        make_work(WorkKind::kPaper, "实木复合门开裂与翘曲的控制",
                  "控制木材含水率和干燥工艺，减少实木复合门开裂与翘曲。",
                  {"实木复合门", "开裂", "翘曲", "含水率"}, 2020),
        make_work(WorkKind::kPaper, "低甲醛释放脲醛树脂胶黏剂",
                  "改性脲醛树脂降低人造板甲醛释放量。", {"脲醛树脂", "甲醛释放量"}, 2021),
    };
    e.counties = {"江山市"};
    out.push_back(e);
  }
  return out;
}

// Eight problems; "p-wood" is solved and "p-withdrawn" withdrawn (not open).
// "p-fluoro" comes from 巨化集团, with whom fluoro-wang has a conflict.
inline std::vector<Problem> sample_problems() {
  std::vector<Problem> out;
  auto add = [&](std::string id, std::string enterprise, std::string county, std::string industry,
                 std::string title, std::string description, std::vector<std::string> keywords,
                 int urgency, std::string submitted,
                 ProblemStatus status = ProblemStatus::kSubmitted) {
    Problem p;
    p.id = std::move(id);
    p.enterprise = std::move(enterprise);
    p.county = std::move(county);
    p.industry = std::move(industry);
    p.title = std::move(title);
    p.description = std::move(description);
    p.keywords = std::move(keywords);
    p.urgency = urgency;
    p.submitted = std::move(submitted);
    p.status = status;
    out.push_back(std::move(p));
  };
  add("p-bearing", "浙江五洲轴承有限公司", "江山市", "轴承制造",
      "深沟球轴承套圈磨削烧伤导致振动噪声偏大",
      "我公司生产的6205深沟球轴承套圈在磨削后出现烧伤，成品轴承振动和噪声偏大，"
      "需要磨削烧伤在线检测和工艺改进。",
      {"轴承", "磨削烧伤", "振动"}, 4, "2025-03-12");
  add("p-paper", "龙游特种纸业有限公司", "龙游县", "造纸和纸制品业", "装饰原纸湿强度不足",
      "湿强剂用量增加后装饰原纸湿强度仍然不够，白水中浆渣较多。", {"湿强剂", "湿强度"}, 3,
      "2025-04-01");
  add("p-fluoro", "巨化集团", "衢江区", "化学原料和化学制品制造业", "电子级氢氟酸金属离子杂质超标",
      "电子级氢氟酸产品中金属离子杂质含量超标，精馏纯化效果不稳定。",
      {"氢氟酸", "精馏", "金属离子"}, 5, "2025-02-20");
  add("p-battery", "衢州锂电材料有限公司", "衢江区", "电池制造", "磷酸铁锂振实密度偏低",
      "磷酸铁锂正极材料振实密度偏低，碳包覆不均匀，烧结工艺需要优化。",
      {"磷酸铁锂", "振实密度", "碳包覆"}, 3, "2025-05-06");
  add("p-vision", "衢州智造装备有限公司", "柯城区", "通用设备制造业",
      "PLC控制的轴承生产线需要机器视觉缺陷检测",
      "Our bearing production line is controlled by a Siemens PLC. We need automatic surface "
      "defect detection of bearing rings with deep learning and machine vision.",
      {"机器视觉", "缺陷检测", "deep learning"}, 3, "2025-06-18");
  add("p-tea", "开化龙顶茶业有限公司", "开化县", "茶叶加工", "绿茶杀青后茶多酚损失大",
      "绿茶杀青温度控制不稳定，茶多酚含量下降，感官品质差。", {"绿茶", "杀青", "茶多酚"}, 2,
      "2025-04-22");
  add("p-wood", "江山欧派门业有限公司", "江山市", "木材加工", "实木复合门开裂翘曲",
      "实木复合门在干燥季节出现开裂和翘曲，含水率控制不好。", {"实木复合门", "开裂", "翘曲"}, 3,
      "2025-01-15", ProblemStatus::kSolved);
  add("p-withdrawn", "常山胡柚食品有限公司", "常山县", "食品制造", "胡柚果汁苦味重",
      "胡柚果汁苦味重，需要脱苦工艺。", {"胡柚", "脱苦"}, 2, "2025-03-03",
      ProblemStatus::kWithdrawn);
  return out;
}

}  // namespace expertmatch::fixture
