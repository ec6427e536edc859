local function run()
  local sum = 0
  for i = 0, 1000000 - 1 do
    local o = { id = i, tags = { i, i + 1 }, name = "n" }
    sum = sum + o.tags[2] - o.id
  end
  return sum
end
print(run())
