// The event-stream decoder against every vector: fed whole, one byte at a time and in random
// splits it yields the same frames; corruption and truncation are reported, never skipped.
#include "gw/providers/bedrock/event_stream.h"

#include <gtest/gtest.h>

#include <random>

#include "test_util.h"

namespace gw::bedrock {
namespace {

namespace json = boost::json;
using testing::hex_decode;
using testing::parse_json;
using testing::vector_file;

const std::vector<std::string> kHexVectors = {
    "eventstream_invoke_chunk_message_start.hex", "eventstream_invoke_chunk_text_delta.hex",
    "eventstream_invoke_chunk_message_stop_with_padding.hex",
    "eventstream_converse_content_block_delta.hex", "eventstream_converse_metadata.hex",
    "eventstream_exception_throttling.hex"};

struct Stream {
  std::string name;
  std::string bytes;
  size_t frames;
};

std::vector<Stream> all_streams() {
  std::vector<Stream> out;
  for (const auto& f : kHexVectors) {
    out.push_back({f, hex_decode(vector_file(f)), 1});
  }
  out.push_back({"eventstream_invoke_stream_3frames.bin", vector_file("eventstream_invoke_stream_3frames.bin"), 3});
  out.push_back({"eventstream_converse_stream_9frames.bin", vector_file("eventstream_converse_stream_9frames.bin"), 9});
  return out;
}

std::vector<EventMessage> decode_in_pieces(std::string_view bytes, const std::vector<size_t>& cuts) {
  EventStreamDecoder d;
  std::vector<EventMessage> out;
  size_t at = 0;
  for (size_t cut : cuts) {
    EXPECT_TRUE(d.feed(bytes.substr(at, cut - at), out).has_value());
    at = cut;
  }
  EXPECT_TRUE(d.feed(bytes.substr(at), out).has_value());
  EXPECT_TRUE(d.finish().has_value());
  EXPECT_EQ(d.buffered(), 0u);
  return out;
}

TEST(EventStream, EveryVectorDecodesIdenticallyWholeByteWiseAndInRandomSplits) {
  std::mt19937 rng(1234);
  for (const auto& s : all_streams()) {
    SCOPED_TRACE(s.name);
    const auto whole = decode_in_pieces(s.bytes, {});
    ASSERT_EQ(whole.size(), s.frames);
    for (const auto& m : whole) {
      EXPECT_EQ(m.string_header(":content-type"), "application/json");
      EXPECT_FALSE(m.string_header(":message-type").empty());
      EXPECT_TRUE(parse_json(m.payload).is_object());
    }
    std::vector<size_t> every;
    for (size_t i = 1; i < s.bytes.size(); ++i) {
      every.push_back(i);
    }
    EXPECT_EQ(decode_in_pieces(s.bytes, every), whole);
    for (int round = 0; round < 50; ++round) {
      std::vector<size_t> cuts;
      std::uniform_int_distribution<size_t> step(1, 64);
      for (size_t at = step(rng); at < s.bytes.size(); at += step(rng)) {
        cuts.push_back(at);
      }
      EXPECT_EQ(decode_in_pieces(s.bytes, cuts), whole);
    }
  }
}

TEST(EventStream, FramesJsonHeadersPayloadsAndReencoding) {
  const json::value frames = parse_json(vector_file("eventstream_frames.json"));
  ASSERT_EQ(frames.as_array().size(), 6u);
  for (const auto& fv : frames.as_array()) {
    const json::object& f = fv.as_object();
    SCOPED_TRACE(std::string(f.at("name").as_string()));
    const std::string bytes = hex_decode(f.at("hex").as_string());
    ASSERT_EQ(bytes.size(), f.at("total_length").to_number<size_t>());
    EventStreamDecoder d;
    std::vector<EventMessage> out;
    ASSERT_TRUE(d.feed(bytes, out).has_value());
    ASSERT_EQ(out.size(), 1u);
    const EventMessage& m = out[0];
    EXPECT_EQ(m.payload, f.at("payload_utf8").as_string());
    const json::object& want = f.at("headers").as_object();
    ASSERT_EQ(m.headers.size(), want.size());
    size_t i = 0;
    for (const auto& [k, v] : want) {  // same order as on the wire
      EXPECT_EQ(m.headers[i].name, k);
      EXPECT_EQ(m.headers[i].type, HeaderType::String);
      EXPECT_EQ(m.headers[i].bytes, v.as_string());
      ++i;
    }
    EXPECT_EQ(encode_event(m), bytes);
    char crc[9];
    std::snprintf(crc, sizeof crc, "%08x", crc32_of(std::string_view(bytes).substr(0, 8)));
    EXPECT_EQ(std::string(crc), f.at("prelude_crc32_hex").as_string());
    std::snprintf(crc, sizeof crc, "%08x", crc32_of(std::string_view(bytes).substr(0, bytes.size() - 4)));
    EXPECT_EQ(std::string(crc), f.at("message_crc32_hex").as_string());
  }
}

TEST(EventStream, AnyFlippedByteIsACrcError) {
  const std::string good = hex_decode(vector_file("eventstream_invoke_chunk_text_delta.hex"));
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EventStreamDecoder d;
    std::vector<EventMessage> out;
    auto r = d.feed(bad, out);
    if (r.has_value()) {
      // A flipped length byte can make the frame look longer: then it is incomplete, and the
      // end of the body reports it.
      EXPECT_FALSE(d.finish().has_value()) << "byte " << i;
    } else {
      EXPECT_NE(r.error().message.find("CRC"), std::string::npos) << r.error().message;
    }
    EXPECT_TRUE(out.empty()) << "byte " << i;
  }
}

TEST(EventStream, ErrorsStick) {
  std::string bad = hex_decode(vector_file("eventstream_converse_metadata.hex"));
  bad[bad.size() - 1] ^= 0x40;
  EventStreamDecoder d;
  std::vector<EventMessage> out;
  ASSERT_FALSE(d.feed(bad, out).has_value());
  const std::string good = hex_decode(vector_file("eventstream_converse_metadata.hex"));
  auto again = d.feed(good, out);
  ASSERT_FALSE(again.has_value());
  EXPECT_NE(again.error().message.find("message CRC mismatch"), std::string::npos);
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(d.finish().has_value());
}

TEST(EventStream, TruncationIsReportedAtTheEnd) {
  const std::string three = vector_file("eventstream_invoke_stream_3frames.bin");
  for (size_t cut : {size_t{1}, size_t{11}, size_t{12}, three.size() - 1, three.size() - 100}) {
    EventStreamDecoder d;
    std::vector<EventMessage> out;
    ASSERT_TRUE(d.feed(std::string_view(three).substr(0, cut), out).has_value());
    auto end = d.finish();
    ASSERT_FALSE(end.has_value()) << cut;
    EXPECT_NE(end.error().message.find("truncated"), std::string::npos);
    EXPECT_TRUE(end.error().retryable);
  }
}

TEST(EventStream, AbsurdLengthsAreRejectedBeforeBuffering) {
  auto prelude = [](uint32_t total, uint32_t hlen) {
    std::string p;
    for (uint32_t v : {total, hlen}) {
      for (int s = 24; s >= 0; s -= 8) {
        p.push_back(static_cast<char>((v >> s) & 0xff));
      }
    }
    const uint32_t crc = crc32_of(p);
    for (int s = 24; s >= 0; s -= 8) {
      p.push_back(static_cast<char>((crc >> s) & 0xff));
    }
    return p;
  };
  for (auto [total, hlen] : {std::pair<uint32_t, uint32_t>{kMaxMessageBytes + 1, 0}, {15, 0}, {100, 90},
                             {0xffffffff, 0xffffffff}, {kMaxMessageBytes, kMaxHeaderBytes + 1}}) {
    EventStreamDecoder d;
    std::vector<EventMessage> out;
    auto r = d.feed(prelude(total, hlen), out);
    ASSERT_FALSE(r.has_value()) << total << "/" << hlen;
    EXPECT_NE(r.error().message.find("out of bounds"), std::string::npos);
  }
}

TEST(EventStream, EveryHeaderTypeRoundTrips) {
  EventMessage m;
  m.headers = {{"t", HeaderType::BoolTrue, 1, ""},
               {"f", HeaderType::BoolFalse, 0, ""},
               {"b", HeaderType::Byte, -5, ""},
               {"s", HeaderType::Short, -300, ""},
               {"i", HeaderType::Integer, 70000, ""},
               {"l", HeaderType::Long, -(int64_t{1} << 40), ""},
               {"ba", HeaderType::ByteArray, 0, std::string("\x00\x01\xff", 3)},
               {"str", HeaderType::String, 0, "héllo"},
               {"ts", HeaderType::Timestamp, 1705322096000, ""},
               {"u", HeaderType::Uuid, 0, std::string("0123456789abcdef")}};
  m.payload = "{}";
  const std::string bytes = encode_event(m) + encode_event(EventMessage{{EventHeader::string(":x", "y")}, ""});
  const auto out = decode_in_pieces(bytes, {3, 20, 40});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], m);
  EXPECT_EQ(out[1].string_header(":x"), "y");
  EXPECT_EQ(out[1].payload, "");
  EXPECT_EQ(out[0].string_header("i"), "");  // not a string header
  EXPECT_EQ(out[0].header("l")->number, -(int64_t{1} << 40));
}

TEST(EventStream, MalformedHeaderBlockIsAnError) {
  // A frame whose header claims a 200-byte string inside a 10-byte header block, CRCs valid.
  EventMessage m{{EventHeader::string("abc", "x")}, "p"};
  std::string f = encode_event(m);
  f[12 + 1 + 3 + 1] = '\x00';
  f[12 + 1 + 3 + 2] = '\xc8';
  const uint32_t crc = crc32_of(std::string_view(f).substr(0, f.size() - 4));
  for (int i = 0; i < 4; ++i) {
    f[f.size() - 4 + i] = static_cast<char>((crc >> (24 - 8 * i)) & 0xff);
  }
  EventStreamDecoder d;
  std::vector<EventMessage> out;
  auto r = d.feed(f, out);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("malformed headers"), std::string::npos);
}

}  // namespace
}  // namespace gw::bedrock
