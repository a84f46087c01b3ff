#include "tests/api/test_server.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "api/access.h"
#include "corpus/exchange_format.h"
#include "corpus/store.h"

namespace expertmatch::apitest {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

TempDir::TempDir() {
  std::string base = std::filesystem::temp_directory_path().string() + "/expertmatch-api-XXXXXX";
  std::vector<char> buf(base.begin(), base.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {

Work work(WorkKind kind, std::string title, std::string abstract,
          std::vector<std::string> keywords) {
  Work w;
  w.kind = kind;
  w.title = std::move(title);
  w.abstract = std::move(abstract);
  w.keywords = std::move(keywords);
  return w;
}

Expert expert(std::string id, std::string name, std::string college,
              std::vector<std::string> fields, std::vector<std::string> counties,
              std::vector<Work> works) {
  Expert e;
  e.id = std::move(id);
  e.name = std::move(name);
  e.organization = "浙江工业大学";
  e.college = std::move(college);
  e.title = "教授";
  e.fields = std::move(fields);
  e.counties = std::move(counties);
  e.works = std::move(works);
  return e;
}

Problem problem(std::string id, std::string enterprise, std::string county, std::string title,
                std::string description, std::vector<std::string> keywords, int urgency) {
  Problem p;
  p.id = std::move(id);
  p.enterprise = std::move(enterprise);
  p.county = std::move(county);
  p.title = std::move(title);
  p.description = std::move(description);
  p.keywords = std::move(keywords);
  p.urgency = urgency;
  p.submitted = "2026-03-0" + std::to_string(urgency);
  return p;
}

}  // namespace

std::vector<Expert> test_experts() {
  std::vector<Expert> out;
  out.push_back(expert("e-bearing", "张伟", "机械工程学院", {"轴承", "磨削加工", "表面完整性"},
                       {"江山市", "柯城区"},
                       {work(WorkKind::kPaper, "轴承套圈磨削烧伤的形成机理与检测",
                             "研究轴承外圈沟道磨削烧伤、砂轮修整与冷却液对表面发黑的影响",
                             {"轴承", "磨削烧伤", "砂轮"}),
                        work(WorkKind::kPatent, "一种轴承沟道磨削冷却装置",
                             "降低磨削温度，避免轴承表面烧伤", {"轴承", "磨削", "冷却"}),
                        work(WorkKind::kProject, "轴承振动噪声控制",
                             "深沟球轴承装机后异响与振动的诊断", {"轴承", "振动", "异响"})}));
  out.back().capacity = 1;
  out.push_back(expert("e-paper", "李娜", "轻工学院", {"特种纸", "造纸化学"}, {"龙游县"},
                       {work(WorkKind::kPaper, "特种纸湿强剂的应用研究",
                             "湿强剂提高特种纸湿强度，降低断纸", {"特种纸", "湿强剂", "造纸"}),
                        work(WorkKind::kProject, "装饰原纸施胶工艺优化", "施胶剂用量与纸张吸水性",
                             {"造纸", "施胶", "原纸"})}));
  out.push_back(expert(
      "e-fluoro", "王强", "化学工程学院", {"氟化工", "含氟聚合物"}, {"衢江区"},
      {work(WorkKind::kPaper, "含氟聚合物聚合工艺放大", "氟化工反应釜放大与含氟单体聚合",
            {"氟化工", "聚合", "反应釜"}),
       work(WorkKind::kPatent, "一种含氟废气处理方法", "氟化工尾气吸收处理", {"氟化工", "废气"})}));
  out.back().conflicts = {kEnterpriseD};
  out.push_back(
      expert("e-vision", "刘洋", "信息工程学院", {"机器视觉", "缺陷检测"}, {"柯城区", "江山市"},
             {work(WorkKind::kPaper, "基于深度学习的表面缺陷检测", "机器视觉检测产品表面划痕与缺陷",
                   {"机器视觉", "缺陷检测", "深度学习"}),
              work(WorkKind::kProject, "工业相机在线检测系统", "生产线在线视觉检测与分拣",
                   {"机器视觉", "在线检测"})}));
  out.push_back(expert("e-tea", "赵敏", "食品科学与工程学院", {"茶叶加工", "食品工程"}, {"开化县"},
                       {work(WorkKind::kPaper, "龙顶茶杀青工艺与品质",
                             "茶叶杀青温度对香气和色泽的影响", {"茶叶", "杀青", "香气"}),
                        work(WorkKind::kProject, "茶叶机械化加工生产线", "名优茶连续化加工",
                             {"茶叶", "加工", "机械化"})}));
  out.push_back(expert("e-battery", "陈静", "材料科学与工程学院", {"锂电池", "正极材料"},
                       {"衢江区"},
                       {work(WorkKind::kPaper, "高镍正极材料的包覆改性",
                             "锂离子电池正极材料循环稳定性", {"锂电池", "正极材料", "包覆"}),
                        work(WorkKind::kPatent, "一种磷酸铁锂前驱体制备方法",
                             "磷酸铁锂正极材料制备", {"磷酸铁锂", "锂电池"})}));
  return out;
}

std::vector<Problem> test_problems() {
  return {
      problem("p-a1", kEnterpriseA, "江山市", "轴承外圈磨削后表面发黑",
              "外圈沟道磨削以后表面发黑发蓝，怀疑磨削烧伤，砂轮和冷却液都换过",
              {"轴承", "磨削烧伤"}, 5),
      problem("p-a2", kEnterpriseA, "江山市", "轴承装机后异响",
              "深沟球轴承装到电机上运行后出现异响和振动", {"轴承", "振动", "异响"}, 3),
      problem("p-b1", kEnterpriseB, "龙游县", "特种纸湿强度不够",
              "装饰原纸湿强度不够，经常断纸，湿强剂用量加大也没用", {"特种纸", "湿强剂"}, 4),
      problem("p-c1", kEnterpriseC, "柯城区", "产品表面划痕人工检测太慢",
              "想用机器视觉代替人工检测表面划痕缺陷", {"机器视觉", "缺陷检测"}, 2),
      problem("p-d1", kEnterpriseD, "衢江区", "含氟聚合反应釜放大困难",
              "含氟单体聚合从小试放大到反应釜时转化率下降", {"氟化工", "聚合"}, 1),
  };
}

Tokens seed_data(const std::string& dir, bool empty) {
  auto store = Store::open(dir);
  if (!store) throw std::runtime_error(store.status().to_string());
  if (!empty) {
    Status s = (*store)->import(test_experts(), test_problems());
    if (!s) throw std::runtime_error(s.to_string());
  }
  if (empty) {
    // An enterprise token names a registered enterprise (create_token checks,
    // and the server refuses to start with one that names none): register
    // the two the tokens are for, with no records.
    for (const auto& [name, county] :
         {std::pair{kEnterpriseA, "江山市"}, {kEnterpriseB, "龙游县"}}) {
      auto e = (*store)->add_enterprise(name, county);
      if (!e) throw std::runtime_error(e.status().to_string());
    }
  }
  auto make = [&](api::Role role, const std::string& scope) {
    auto t = api::create_token(**store, role, scope);
    if (!t) throw std::runtime_error(t.status().to_string());
    return *t;
  };
  Tokens t;
  t.admin = make(api::Role::kAdmin, "");
  t.county_jiangshan = make(api::Role::kCounty, "江山市");
  t.county_longyou = make(api::Role::kCounty, "龙游县");
  t.coordinator = make(api::Role::kCoordinator, "江山市/ws-1");
  t.coordinator_longyou = make(api::Role::kCoordinator, "龙游县");
  t.enterprise_a = make(api::Role::kEnterprise, kEnterpriseA);
  t.enterprise_b = make(api::Role::kEnterprise, kEnterpriseB);
  return t;
}

api::ServerConfig test_config(const std::string& dir) {
  api::ServerConfig c;
  c.data = dir;
  c.listen_host = "127.0.0.1";
  c.listen_port = 0;
  c.io_threads = 2;
  c.worker_threads = 2;
  c.body_limit_bytes = 64 * 1024;
  c.import_limit_bytes = 1 << 20;
  c.header_limit_bytes = 8 * 1024;
  c.shutdown_grace_ms = 5000;
  c.access_log = "";  // tests that read it set a file
  // The test corpus has six experts: its counties' settings allow small teams.
  c.min_team_size = 1;
  return c;
}

TestServer::TestServer(bool empty) : TestServer(empty, {}) {}

TestServer::TestServer(bool empty, const std::function<void(api::ServerConfig*)>& adjust)
    : TestServer(empty, adjust, {}) {}

TestServer::TestServer(bool empty, const std::function<void(api::ServerConfig*)>& adjust,
                       api::ServiceOptions options)
    : options_(std::move(options)) {
  tokens_ = seed_data(dir_.path(), empty);
  config_ = test_config(dir_.path());
  if (adjust) adjust(&config_);
  auto s = api::ApiServer::start(config_, options_);
  if (!s) throw std::runtime_error(s.status().to_string());
  server_ = std::move(*s);
}

TestServer::~TestServer() { server_.reset(); }

void TestServer::restart() {
  server_.reset();
  auto s = api::ApiServer::start(config_, options_);
  if (!s) throw std::runtime_error(s.status().to_string());
  server_ = std::move(*s);
}

rapidjson::Document HttpResult::json() const {
  rapidjson::Document d;
  d.Parse(body.c_str(), body.size());
  if (d.HasParseError()) d.SetNull();
  return d;
}

std::string HttpResult::error_code() const {
  auto d = json();
  if (!d.IsObject() || !d.HasMember("error") || !d["error"].IsObject() ||
      !d["error"].HasMember("code") || !d["error"]["code"].IsString())
    return "";
  return d["error"]["code"].GetString();
}

namespace {

HttpResult from_beast(const bhttp::response<bhttp::string_body>& res) {
  HttpResult r;
  r.status = static_cast<int>(res.result_int());
  r.body = res.body();
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // A repeated field (two Set-Cookie) keeps every value, one a line.
    auto [it, fresh] = r.headers.try_emplace(name, std::string(f.value()));
    if (!fresh) it->second += "\n" + std::string(f.value());
  }
  return r;
}

}  // namespace

std::string set_cookie_of(const HttpResult& r, const std::string& name) {
  auto it = r.headers.find("set-cookie");
  if (it == r.headers.end()) return "";
  size_t start = 0;
  while (start <= it->second.size()) {
    size_t end = it->second.find('\n', start);
    if (end == std::string::npos) end = it->second.size();
    std::string line = it->second.substr(start, end - start);
    if (line.rfind(name + "=", 0) == 0) return line;
    start = end + 1;
  }
  return "";
}

std::string cookie_of(const HttpResult& r, const std::string& name) {
  std::string line = set_cookie_of(r, name);
  return line.substr(0, line.find(';'));
}

HttpResult http(unsigned short port, const Request& request) {
  HttpResult out;
  try {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(60));
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(request.method), request.target,
                                           11);
    if (req.method() == bhttp::verb::unknown) req.method_string(request.method);
    req.set(bhttp::field::host, "127.0.0.1");
    if (!request.token.empty()) req.set(bhttp::field::authorization, "Bearer " + request.token);
    for (const auto& [name, value] : request.headers) req.set(name, value);
    if ((!request.body.empty() || !request.content_type.empty()) &&
        !request.headers.count("Content-Type"))
      req.set(bhttp::field::content_type,
              request.content_type.empty() ? "application/json" : request.content_type);
    req.body() = request.body;
    req.prepare_payload();
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(256 << 20);
    bhttp::read(stream, buffer, parser);
    out = from_beast(parser.get());
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

HttpResult get(unsigned short port, const std::string& target, const std::string& token) {
  Request r;
  r.target = target;
  r.token = token;
  return http(port, r);
}

HttpResult send(unsigned short port, const std::string& method, const std::string& target,
                const std::string& token, const std::string& body, const std::string& type) {
  Request r;
  r.method = method;
  r.target = target;
  r.token = token;
  r.body = body;
  r.content_type = type;
  return http(port, r);
}

HttpResult post(unsigned short port, const std::string& target, const std::string& token,
                const std::string& json_body) {
  return send(port, "POST", target, token, json_body);
}

HttpResult put(unsigned short port, const std::string& target, const std::string& token,
               const std::string& json_body) {
  return send(port, "PUT", target, token, json_body);
}

std::string field_of(const HttpResult& r) {
  auto d = r.json();
  if (!d.IsObject() || !d.HasMember("error") || !d["error"].HasMember("field")) return "";
  return d["error"]["field"].GetString();
}

std::string message_of(const HttpResult& r) {
  auto d = r.json();
  if (!d.IsObject() || !d.HasMember("error")) return "";
  return d["error"]["message"].GetString();
}

struct RawConnection::Impl {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool connected = false;
};

RawConnection::RawConnection(unsigned short port) : RawConnection(port, RawOptions()) {}

RawConnection::RawConnection(unsigned short port, const RawOptions& options)
    : impl_(std::make_unique<Impl>()) {
  beast::error_code ec;
  auto& socket = impl_->stream.socket();
  socket.open(tcp::v4(), ec);
  if (!ec && options.receive_buffer > 0)
    socket.set_option(net::socket_base::receive_buffer_size(options.receive_buffer), ec);
  if (!ec) socket.bind(tcp::endpoint(net::ip::make_address(options.from), 0), ec);
  if (!ec) socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  impl_->connected = !ec;
}

long RawConnection::read_bytes(size_t max, int limit_ms) {
  if (impl_->buffer.size() > 0) {
    size_t n = std::min(max, impl_->buffer.size());
    impl_->buffer.consume(n);
    return static_cast<long>(n);
  }
  // poll(), not the stream's timer: an expired timer closes the socket.
  pollfd p{impl_->stream.socket().native_handle(), POLLIN, 0};
  int ready = ::poll(&p, 1, limit_ms);
  if (ready == 0) return 0;
  if (ready < 0) return -1;
  std::vector<char> bytes(max);
  beast::error_code ec;
  size_t n = impl_->stream.socket().read_some(net::buffer(bytes), ec);
  if (ec) return -1;
  return static_cast<long>(n);
}

RawConnection::~RawConnection() {
  beast::error_code ec;
  impl_->stream.socket().close(ec);
}

bool RawConnection::connected() const { return impl_->connected; }

bool RawConnection::send(const std::string& bytes) {
  beast::error_code ec;
  net::write(impl_->stream.socket(), net::buffer(bytes), ec);
  return !ec;
}

HttpResult RawConnection::read_response() {
  HttpResult out;
  beast::error_code ec;
  impl_->stream.expires_after(std::chrono::seconds(60));
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(256 << 20);
  bhttp::read(impl_->stream, impl_->buffer, parser, ec);
  if (ec) {
    out.error = ec.message();
    return out;
  }
  return from_beast(parser.get());
}

void RawConnection::reset() {
  beast::error_code ec;
  impl_->stream.socket().set_option(net::socket_base::linger(true, 0), ec);
  impl_->stream.socket().close(ec);
}

bool RawConnection::closed_by_server(int limit_ms) {
  impl_->stream.expires_after(std::chrono::milliseconds(limit_ms));
  char byte;
  beast::error_code ec;
  for (;;) {
    size_t n = impl_->stream.read_some(net::buffer(&byte, 1), ec);
    if (ec) return ec == net::error::eof || ec == net::error::connection_reset;
    if (n == 0) return false;
  }
}

namespace {

// The exchange format leaves empty fields out; a PUT body names them all.
std::string whole_record(const std::string& json, const std::vector<const char*>& texts,
                         const std::vector<const char*>& lists,
                         const std::vector<const char*>& nullable) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  auto& a = d.GetAllocator();
  for (const char* n : texts)
    if (!d.HasMember(n)) d.AddMember(rapidjson::StringRef(n), "", a);
  for (const char* n : lists)
    if (!d.HasMember(n))
      d.AddMember(rapidjson::StringRef(n), rapidjson::Value(rapidjson::kArrayType), a);
  for (const char* n : nullable)
    if (!d.HasMember(n)) d.AddMember(rapidjson::StringRef(n), rapidjson::Value(), a);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  d.Accept(w);
  return buf.GetString();
}

}  // namespace

std::string problem_json(const Problem& p) {
  return whole_record(to_json(p), {"industry"}, {"keywords"}, {});
}
std::string expert_json(const Expert& e) {
  return whole_record(to_json(e), {"organization", "college", "title", "bio"},
                      {"fields", "works", "counties", "conflicts"}, {"birth_year"});
}

std::string new_problem_body(const std::string& id, const std::string& enterprise,
                             const std::string& county, const std::string& title) {
  Problem p;
  p.id = id;
  p.enterprise = enterprise;
  p.county = county;
  p.title = title;
  p.description = title + "，需要专家帮助";
  std::string json = to_json(p);
  if (id.empty()) {
    // Without "id": the shape an enterprise submits.
    rapidjson::Document d;
    d.Parse(json.c_str());
    d.RemoveMember("id");
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    d.Accept(w);
    json = buf.GetString();
  }
  return json;
}

int run(const std::string& command, std::string* out) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return -1;
  char buf[4096];
  size_t n;
  out->clear();
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out->append(buf, n);
  int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace expertmatch::apitest
