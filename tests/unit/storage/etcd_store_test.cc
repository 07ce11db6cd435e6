// EtcdStore cases beyond the shared suite: several stores (API servers) on one cluster see each
// other's writes through their watches, a store keeps serving reads, writes and watches when
// the etcd member it talks to is killed or hangs, and a write whose answer was lost (the
// connection broke after etcd applied it) still reports success.

#include "storage/etcd_store.h"

#include <gtest/gtest.h>

#include "tests/support/etcd_cluster.h"
#include "tests/support/loopback_proxy.h"
#include "tests/unit/storage/test_util.h"

namespace tinyk8s::storage {
namespace {

using testing::Dump;
using testing::Dumps;
using testing::NextEvents;
using ::tinyk8s::testing::EtcdCluster;

class EtcdStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(EtcdCluster::Available()) << "run scripts/install-deps.sh";
    cluster_ = std::make_unique<EtcdCluster>(3);
    ASSERT_TRUE(cluster_->ok()) << cluster_->error();
  }
  // Options for a store on every member, preferring the first.
  EtcdStoreOptions Options(const std::string& prefix) {
    EtcdStoreOptions options;
    for (int i = 0; i < cluster_->size(); ++i) {
      options.client.endpoints.push_back(cluster_->ClientUrl(i));
    }
    options.prefix = prefix;
    options.compaction_interval = std::chrono::milliseconds(0);
    return options;
  }
  std::unique_ptr<EtcdStore> MustOpen(const std::string& prefix) {
    return MustOpen(Options(prefix));
  }
  std::unique_ptr<EtcdStore> MustOpen(const EtcdStoreOptions& options) {
    auto store = EtcdStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  std::unique_ptr<EtcdCluster> cluster_;
};

TEST_F(EtcdStoreTest, TwoStoresOnOnePrefixSeeEachOthersWrites) {
  auto one = MustOpen("/shared");
  auto two = MustOpen("/shared");
  auto other = MustOpen("/elsewhere");
  ASSERT_TRUE(one && two && other);
  auto watch = two->WatchPrefix("/k/", two->CurrentRevision());
  ASSERT_TRUE(watch.ok());
  auto created = one->Create("/k/a", "1");
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(other->Create("/k/a", "not mine").ok());
  auto updated = two->Update("/k/a", "2", created->mod_revision);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  // A stale compare-and-swap from the first store fails: both share one revision history.
  EXPECT_EQ(one->Update("/k/a", "3", created->mod_revision).status().code(), StatusCode::kConflict);
  auto events = NextEvents(**watch, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kv.mod_revision, created->mod_revision);
  EXPECT_EQ(events[1].kv.value, "2");
  ASSERT_TRUE(events[1].prev.has_value());
  EXPECT_EQ(events[1].prev->value, "1");
  EXPECT_EQ(one->Get("/k/a")->value, "2");
  EXPECT_EQ(other->Get("/k/a")->value, "not mine");
}

TEST_F(EtcdStoreTest, WritesUnderAnotherPrefixDoNotMoveTheRevision) {
  auto mine = MustOpen("/mine");
  auto other = MustOpen("/other");
  ASSERT_TRUE(mine && other);
  auto created = mine->Create("/k", "v");
  ASSERT_TRUE(created.ok());
  Revision foreign = 0;
  for (int i = 0; i < 5; ++i) foreign = other->Create("/k" + std::to_string(i), "v")->mod_revision;
  // Only revisions that wrote under a store's prefix count: a reader waiting for "mine" to be
  // current must not wait for events it will never see.
  EXPECT_EQ(mine->CurrentRevision(), created->mod_revision);
  EXPECT_EQ(other->CurrentRevision(), foreign);
  auto again = mine->Update("/k", "w", created->mod_revision);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(mine->CurrentRevision(), again->mod_revision);
}

TEST_F(EtcdStoreTest, KeepsServingWhenAMemberDies) {
  auto store = MustOpen("/failover");
  ASSERT_TRUE(store);
  auto watch = store->WatchPrefix("/f/", store->CurrentRevision());
  ASSERT_TRUE(watch.ok());
  ASSERT_TRUE(store->Create("/f/before", "v").ok());
  // The store prefers the first endpoint: kill it (its watch stream and pooled connections
  // break), then read, write and watch through the others.
  cluster_->Kill(0);
  for (int i = 0; i < 20; ++i) {
    auto created = store->Create("/f/after" + std::to_string(i), "v");
    ASSERT_TRUE(created.ok()) << created.status().ToString();
  }
  auto list = store->List("/f/", {});
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(list->items.size(), 21u);
  auto events = NextEvents(**watch, 21);
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_EQ(events[i].kv.mod_revision, events[i - 1].kv.mod_revision + 1);
  }
  // The member comes back and catches up.
  ASSERT_TRUE(cluster_->Restart(0));
  ASSERT_TRUE(store->Update("/f/before", "again", 0).ok());
  EXPECT_EQ(NextEvents(**watch, 1).at(0).kv.value, "again");
}

TEST_F(EtcdStoreTest, WatchMovesOffAHungMember) {
  // The watching store talks to member 0 first; the writer only to the others.
  EtcdStoreOptions watching = Options("/hung");
  watching.client.watch_silence = std::chrono::milliseconds(1000);
  auto watcher = MustOpen(watching);
  EtcdStoreOptions writing = Options("/hung");
  writing.client.endpoints.erase(writing.client.endpoints.begin());
  auto writer = MustOpen(writing);
  ASSERT_TRUE(watcher && writer);
  auto watch = watcher->WatchPrefix("/h/", watcher->CurrentRevision());
  ASSERT_TRUE(watch.ok());
  ASSERT_TRUE(writer->Create("/h/before", "v").ok());
  ASSERT_EQ(NextEvents(**watch, 1).size(), 1u);

  // A stopped member keeps its connections open and answers nothing.
  cluster_->Pause(0);
  std::vector<Revision> written;
  for (int i = 0; i < 10; ++i) {
    auto created = writer->Create("/h/paused" + std::to_string(i), "v");
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    written.push_back(created->mod_revision);
  }
  auto events = NextEvents(**watch, written.size());
  ASSERT_EQ(events.size(), written.size());
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].kv.mod_revision, written[i]) << Dumps(events)[i];
  }
  // The store's reads and writes move off the hung member too.
  auto own = watcher->Create("/h/own", "v");
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_EQ(NextEvents(**watch, 1).at(0).kv.mod_revision, own->mod_revision);

  // The member comes back; nothing is delivered twice.
  cluster_->Resume(0);
  auto after = writer->Create("/h/after", "v");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(NextEvents(**watch, 1).at(0).kv.mod_revision, after->mod_revision);
}

// A store whose preferred member sits behind a proxy that loses the answer of the next write
// after etcd applied it: the client retries on a new connection, and the retry's compare fails
// against the write of its own first attempt.
class EtcdLostAnswerTest : public EtcdStoreTest {
 protected:
  void SetUp() override {
    EtcdStoreTest::SetUp();
    proxy_ = std::make_unique<tinyk8s::testing::LoopbackProxy>(cluster_->ClientPort(0));
    ASSERT_TRUE(proxy_->ok());
    EtcdStoreOptions options = Options("/lost");
    options.client.endpoints[0] = proxy_->Url();
    store_ = MustOpen(options);
    ASSERT_TRUE(store_);
  }
  void LoseNextAnswer() { proxy_->DropNextResponse("POST /v3/kv/txn"); }

  std::unique_ptr<tinyk8s::testing::LoopbackProxy> proxy_;
  std::unique_ptr<EtcdStore> store_;
};

TEST_F(EtcdLostAnswerTest, RetriedWritesReportTheirOwnCommit) {
  LoseNextAnswer();
  auto created = store_->Create("/l/a", "one");
  ASSERT_EQ(proxy_->dropped(), 1);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto stored = store_->Get("/l/a");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(Dump(*created), Dump(*stored));

  LoseNextAnswer();
  auto updated = store_->Update("/l/a", "two", created->mod_revision);
  ASSERT_EQ(proxy_->dropped(), 2);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  stored = store_->Get("/l/a");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(Dump(*updated), Dump(*stored));
  EXPECT_EQ(updated->create_revision, created->mod_revision);

  LoseNextAnswer();
  auto deleted = store_->Delete("/l/a", updated->mod_revision);
  ASSERT_EQ(proxy_->dropped(), 3);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(deleted->value, "two");
  EXPECT_EQ(deleted->create_revision, created->mod_revision);
  EXPECT_GT(deleted->mod_revision, updated->mod_revision);
  EXPECT_EQ(store_->Get("/l/a").status().code(), StatusCode::kNotFound);
  // The delete's revision is the one the key's history shows.
  auto history = store_->WatchPrefix("/l/", updated->mod_revision);
  ASSERT_TRUE(history.ok());
  auto events = NextEvents(**history, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kDelete);
  EXPECT_EQ(events[0].kv.mod_revision, deleted->mod_revision);

  // Unconditional writes too.
  ASSERT_TRUE(store_->Create("/l/b", "v").ok());
  LoseNextAnswer();
  auto removed = store_->Delete("/l/b", 0);
  ASSERT_EQ(proxy_->dropped(), 4);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(removed->value, "v");
}

TEST_F(EtcdLostAnswerTest, RetriedWritesStillFailWhenTheyDidNotApply) {
  // Someone else's key: the lost first attempt failed its compare as well.
  auto theirs = store_->Create("/l/taken", "theirs");
  ASSERT_TRUE(theirs.ok());
  LoseNextAnswer();
  EXPECT_EQ(store_->Create("/l/taken", "theirs").status().code(), StatusCode::kAlreadyExists);
  ASSERT_EQ(proxy_->dropped(), 1);
  auto moved = store_->Update("/l/taken", "moved", theirs->mod_revision);
  ASSERT_TRUE(moved.ok());
  LoseNextAnswer();
  EXPECT_EQ(store_->Update("/l/taken", "moved", theirs->mod_revision).status().code(),
            StatusCode::kConflict);
  LoseNextAnswer();
  EXPECT_EQ(store_->Delete("/l/taken", theirs->mod_revision).status().code(),
            StatusCode::kConflict);
  ASSERT_EQ(proxy_->dropped(), 3);
  EXPECT_EQ(store_->Get("/l/taken")->value, "moved");
}

}  // namespace
}  // namespace tinyk8s::storage

namespace tinyk8s::storage {
namespace {

TEST(EtcdTlsTest, ServesOverTlsWithAClientCertificate) {
  ASSERT_TRUE(EtcdCluster::Available()) << "run scripts/install-deps.sh";
  EtcdCluster cluster(1, "", /*tls=*/true);
  ASSERT_TRUE(cluster.ok()) << cluster.error();
  EtcdStoreOptions options;
  options.client.endpoints = {cluster.ClientUrl(0)};
  options.client.tls = {cluster.ca_file(), cluster.client_cert_file(), cluster.client_key_file()};
  options.client.retry_window = std::chrono::milliseconds(500);
  options.compaction_interval = std::chrono::milliseconds(0);
  auto store = EtcdStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto watch = (*store)->WatchPrefix("/tls/", (*store)->CurrentRevision());
  ASSERT_TRUE(watch.ok()) << watch.status().ToString();
  ASSERT_TRUE((*store)->Create("/tls/a", "secret").ok());
  EXPECT_EQ((*store)->Get("/tls/a")->value, "secret");
  EXPECT_EQ(NextEvents(**watch, 1).at(0).kv.value, "secret");

  // Without a client certificate the member refuses the connection.
  EtcdStoreOptions anonymous = options;
  anonymous.client.tls.cert_file.clear();
  anonymous.client.tls.key_file.clear();
  EXPECT_FALSE(EtcdStore::Open(anonymous).ok());
  // A client that does not trust the member's CA refuses the member.
  EtcdStoreOptions untrusting = options;
  untrusting.client.tls.ca_file = cluster.client_cert_file();  // not a CA of the member's cert
  EXPECT_FALSE(EtcdStore::Open(untrusting).ok());
}

}  // namespace
}  // namespace tinyk8s::storage

namespace tinyk8s::storage {
namespace {

TEST(EtcdClientTest, ParsesEndpoints) {
  auto plain = ParseEtcdEndpoint("http://127.0.0.1:2379");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->host, "127.0.0.1");
  EXPECT_EQ(plain->port, "2379");
  auto tls = ParseEtcdEndpoint("https://[::1]:4001/");
  ASSERT_TRUE(tls.ok());
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->host, "::1");
  EXPECT_EQ(tls->port, "4001");
  EXPECT_EQ(ParseEtcdEndpoint("localhost")->port, "2379");
  EXPECT_FALSE(ParseEtcdEndpoint("http://127.0.0.1:2379/v3").ok());
  EXPECT_FALSE(ParseEtcdEndpoint("http://127.0.0.1:port").ok());
  EXPECT_FALSE(ParseEtcdEndpoint("").ok());
}

TEST(EtcdClientTest, MapsGatewayErrorsToStatus) {
  EXPECT_EQ(EtcdError(400, R"({"error":"etcdserver: mvcc: required revision has been compacted",)"
                           R"("message":"etcdserver: mvcc: required revision has been compacted",)"
                           R"("code":11})")
                .code(),
            StatusCode::kGone);
  EXPECT_EQ(EtcdError(400, R"({"message":"etcdserver: mvcc: required revision is a future )"
                           R"(revision","code":11})")
                .code(),
            StatusCode::kInvalid);
  EXPECT_EQ(EtcdError(503, R"({"message":"etcdserver: no leader","code":14})").code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(EtcdError(413, R"({"message":"etcdserver: request is too large","code":8})").code(),
            StatusCode::kRequestEntityTooLarge);
  // Stream errors nest the same fields under "error".
  EXPECT_EQ(EtcdError(200, R"({"error":{"grpc_code":14,"message":"leader changed"}})").code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(EtcdError(502, "not json").code(), StatusCode::kInternal);
}

TEST(EtcdClientTest, OpenFailsWhenNoMemberAnswers) {
  EtcdStoreOptions options;
  // Port 1 on loopback: nothing listens there, connections are refused at once.
  options.client.endpoints = {"http://127.0.0.1:1", "http://127.0.0.1:1"};
  options.client.retry_window = std::chrono::milliseconds(300);
  auto store = EtcdStore::Open(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable) << store.status().ToString();
}

}  // namespace
}  // namespace tinyk8s::storage
