#include "gw/limits/redis_scripts.h"

namespace gw {

namespace {

// Shared by both scripts. A window (or the set of budget holds) is a sorted set of reservation ids
// scored by their admission time in ms, plus a hash of id -> amount (tokens, or nano-USD held)
// whose `_sum` field is the total, so a check reads two values instead of the whole window.
constexpr const char* kCommon = R"lua(
-- Numbers handed to an integer command (HINCRBY, INCRBY) go through int(): Redis formats a Lua
-- number with %.17g, so 0 negated becomes "-0" and 1e17 "1e+17", both refused as "not an
-- integer" halfway through a script that has already written (scripts are not rolled back).
local function int(x) return string.format('%d', x) end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Entries scored at or before `cutoff` stop counting. unpack() in chunks: Lua's stack is small.
-- Everything is read and summed before the first write.
local function prune(z, h, cutoff)
  local old = redis.call('ZRANGEBYSCORE', z, '-inf', cutoff)
  if #old == 0 then return end
  local gone, chunks = 0, {}
  for i = 1, #old, 1000 do
    local chunk = {}
    for j = i, math.min(i + 999, #old) do chunk[#chunk + 1] = old[j] end
    local amounts = redis.call('HMGET', h, unpack(chunk))
    for j = 1, #amounts do gone = gone + (tonumber(amounts[j]) or 0) end
    chunks[#chunks + 1] = chunk
  end
  for _, chunk in ipairs(chunks) do redis.call('HDEL', h, unpack(chunk)) end
  if gone ~= 0 then redis.call('HINCRBY', h, '_sum', int(-gone)) end
  redis.call('ZREMRANGEBYSCORE', z, '-inf', cutoff)
end

-- A reservation's tombstone (KEYS[4]), set by its first release: a repeated release (re-sent after
-- a reconnect) changes nothing, and a reserve that a release overtook (its reply timed out; it
-- runs once a stalled Redis wakes) reserves nothing. Long enough to outlast any such delay.
local DONE_TTL = 120000

local function remove(z, h, id)
  if redis.call('ZSCORE', z, id) then
    local was = tonumber(redis.call('HGET', h, id) or '0')
    redis.call('ZREM', z, id)
    redis.call('HDEL', h, id)
    if was ~= 0 then redis.call('HINCRBY', h, '_sum', int(-was)) end
  end
end
)lua";

// Budget periods are UTC calendar periods, as budget_period.cc computes them (days from the
// civil date: Howard Hinnant's algorithms).
constexpr const char* kPeriods = R"lua(
local DAY = 86400000
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local doy = math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end
local function civil_from_days(z)
  z = z + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return y, m
end
-- start and end (exclusive) in unix ms; nil for `total`.
local function period_bounds(kind, now)
  local today = math.floor(now / DAY)
  if kind == 'day' then return today * DAY, (today + 1) * DAY end
  if kind == 'week' then
    local monday = today - (today + 3) % 7  -- 1970-01-01 was a Thursday
    return monday * DAY, (monday + 7) * DAY
  end
  if kind == 'month' then
    local y, m = civil_from_days(today)
    local ny, nm = y, m + 1
    if nm > 12 then ny, nm = y + 1, 1 end
    return days_from_civil(y, m, 1) * DAY, days_from_civil(ny, nm, 1) * DAY
  end
  if kind == 'year' then
    local y = civil_from_days(today)
    return days_from_civil(y, 1, 1) * DAY, days_from_civil(y + 1, 1, 1) * DAY
  end
  return nil, nil
end
)lua";

constexpr const char* kReserve = R"lua(
local function seconds_until(now, t) return math.max(1, math.ceil((t - now) / 1000)) end

if KEYS[4] ~= '' and redis.call('EXISTS', KEYS[4]) == 1 then return {0, ''} end
local now = now_ms()
local id = ARGV[1]
local rpm, tpm, tokens = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local budget, kind, cost = tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7])
local lease, window = tonumber(ARGV[8]), tonumber(ARGV[9])
local TOTAL_TTL = 30 * DAY  -- a `total` spend idle this long is re-seeded from the ledger

local base, held_z, held_h, spent_key, period_end
if budget >= 0 then
  local start
  start, period_end = period_bounds(kind, now)
  local tag = start and string.format('%.0f', start) or 'all'
  base = KEYS[3] .. ':' .. kind .. ':' .. tag
  spent_key, held_z, held_h = base .. ':spent', base .. ':held', base .. ':heldamt'
  local spent = redis.call('GET', spent_key)
  if not spent then
    -- One hour past the period's end: a settlement that arrives late still finds its period.
    local ttl = period_end and (period_end - now + 3600000) or TOTAL_TTL
    return {4, tag, spent_key, ttl}
  end
  prune(held_z, held_h, now - lease)
  local held = tonumber(redis.call('HGET', held_h, '_sum') or '0')
  spent = tonumber(spent)
  if spent + held >= budget then
    if spent < budget then return {3, 1} end
    if period_end then return {2, seconds_until(now, period_end)} end
    return {2, -1}
  end
end

if rpm >= 0 or tpm >= 0 then
  local z, h = KEYS[1], KEYS[2]
  prune(z, h, now - window)
  local count = redis.call('ZCARD', z)
  local sum = tonumber(redis.call('HGET', h, '_sum') or '0')
  local rpm_ok = rpm < 0 or count + 1 <= rpm
  -- A request larger than tpm alone is admitted into an empty window, not refused forever.
  local function fits(in_window) return in_window == 0 or in_window + tokens <= tpm end
  local tpm_ok = tpm < 0 or fits(sum)
  if not (rpm_ok and tpm_ok) then
    -- The earliest moment both hold: when enough of the oldest entries have aged out.
    local when = now
    if not rpm_ok then
      local must = count + 1 - rpm
      if must > count then return {1, -1} end
      local e = redis.call('ZRANGE', z, must - 1, must - 1, 'WITHSCORES')
      when = math.max(when, tonumber(e[2]) + window)
    end
    if not tpm_ok then
      local all = redis.call('ZRANGE', z, 0, -1, 'WITHSCORES')
      local left = sum
      for i = 1, #all, 2 do
        left = left - tonumber(redis.call('HGET', h, all[i]) or '0')
        if fits(left) then
          when = math.max(when, tonumber(all[i + 1]) + window)
          break
        end
      end
    end
    return {1, seconds_until(now, when)}
  end
  redis.call('ZADD', z, now, id)
  redis.call('HSET', h, id, ARGV[4])
  if tokens ~= 0 then redis.call('HINCRBY', h, '_sum', ARGV[4]) end
  -- Every entry has left the window a second after the newest: then the keys go too.
  redis.call('PEXPIRE', z, window + 1000)
  redis.call('PEXPIRE', h, window + 1000)
end

if budget >= 0 then
  redis.call('ZADD', held_z, now, id)
  redis.call('HSET', held_h, id, ARGV[7])
  if cost ~= 0 then redis.call('HINCRBY', held_h, '_sum', ARGV[7]) end
  redis.call('PEXPIRE', held_z, lease + 60000)
  redis.call('PEXPIRE', held_h, lease + 60000)
  if not period_end then redis.call('PEXPIRE', spent_key, TOTAL_TTL) end
  return {0, base}
end
return {0, ''}
)lua";

// Settling sets the entry's tokens to the actual count while it is still in its window; a refund
// removes it. Either ends the budget hold; settling adds the cost to the period's spend while that
// key exists (an expired period is not brought back). Only the first release of an id does
// anything (its tombstone), so the spend is counted once however often it is sent, and also when
// it arrives before its reserve.
constexpr const char* kRelease = R"lua(
local id, settle = ARGV[1], ARGV[2] == 'settle'
if redis.call('EXISTS', KEYS[4]) == 1 then return 0 end
redis.call('SET', KEYS[4], '1', 'PX', DONE_TTL)
if KEYS[1] ~= '' then
  local z, h = KEYS[1], KEYS[2]
  if not settle then
    remove(z, h, id)
  elseif redis.call('ZSCORE', z, id) then
    local delta = tonumber(ARGV[3]) - tonumber(redis.call('HGET', h, id) or '0')
    redis.call('HSET', h, id, ARGV[3])
    if delta ~= 0 then redis.call('HINCRBY', h, '_sum', int(delta)) end
  end
end
if KEYS[3] ~= '' then
  remove(KEYS[3] .. ':held', KEYS[3] .. ':heldamt', id)
  local spent = KEYS[3] .. ':spent'
  if settle and redis.call('EXISTS', spent) == 1 then
    redis.call('INCRBY', spent, ARGV[4])
  end
end
return 1
)lua";

}  // namespace

std::string_view budget_period_lua() { return kPeriods; }

const redis::Script& reserve_script() {
  static const redis::Script s(std::string(kCommon) + kPeriods + kReserve, "reserve");
  return s;
}

const redis::Script& release_script() {
  static const redis::Script s(std::string(kCommon) + kRelease, "release");
  return s;
}

}  // namespace gw
