function run() {
  const items = []
  for (let i = 0; i < 40000; i++) items.push({ id: i, name: "item" + i, tags: ["a", "b"], price: i * 1.5, ok: i % 2 === 0 })
  const text = JSON.stringify({ items })
  let n = 0
  for (let k = 0; k < 3; k++) n += JSON.parse(text).items.length + JSON.stringify(JSON.parse(text)).length
  return [text.length, n]
}
console.log(run().join(" "))
