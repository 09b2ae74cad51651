-- wrk script of bench/run.py: requests spread over many users' API tokens.
--
--   wrk -t2 -c32 -d10s --latency -s bench/token.lua URL -- MODE FILE [PASSWORD]
--
-- FILE has one "<api token> <room> <username>" a line (bench/seed.py writes it).
-- MODE: room  GET /token?room=<the user's room>   (auth, rules, room, sign, audit)
--       token GET /token                          (the same without the room query)
--       me    GET /api/me/
--       login POST /api/auth/login/ {"username", "password"}, a different user each
-- Each thread goes round-robin through the users, starting at its own offset.
-- A response counts as bad unless it is a 200 (with a "token" for room, token
-- and login); done() prints "BENCH bad=N" and the first bad answer.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  mode = args[1] or "room"
  password = args[3] or ""
  entries = {}
  for line in io.lines(args[2]) do
    local token, room, user = line:match("^(%x+) (%S+) (%S+)$")
    if token then
      entries[#entries + 1] = { token, room, user }
    end
  end
  if #entries == 0 then
    error("no entries in " .. args[2])
  end
  counter = math.floor(id * #entries / 2)
  bad = 0
  sample = ""
  wants_token = mode ~= "me"
end

function request()
  counter = counter % #entries + 1
  local entry = entries[counter]
  if mode == "login" then
    local body = '{"username":"' .. entry[3] .. '","password":"' .. password .. '"}'
    return wrk.format("POST", "/api/auth/login/", { ["Content-Type"] = "application/json" }, body)
  end
  local headers = { ["Authorization"] = "Token " .. entry[1] }
  if mode == "room" then
    return wrk.format("GET", "/token?room=" .. entry[2], headers)
  elseif mode == "token" then
    return wrk.format("GET", "/token", headers)
  end
  return wrk.format("GET", "/api/me/", headers)
end

function response(status, headers, body)
  if status ~= 200 or (wants_token and not body:find('"token":%s*"')) then
    bad = bad + 1
    if sample == "" then
      sample = status .. " " .. body:sub(1, 200)
    end
  end
end

function done(summary, latency, requests)
  local total, first = 0, ""
  for _, thread in ipairs(threads) do
    total = total + thread:get("bad")
    local seen = thread:get("sample")
    if first == "" and seen ~= "" then
      first = seen
    end
  end
  io.write(string.format("BENCH bad=%d p999_us=%d max_us=%d\n", total,
    latency:percentile(99.9), latency.max))
  if first ~= "" then
    io.write("BENCH sample=" .. (first:gsub("%s+", " ")) .. "\n")
  end
end
