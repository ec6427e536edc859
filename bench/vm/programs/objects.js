function run() {
  let sum = 0
  for (let i = 0; i < 1000000; i++) {
    const o = { id: i, tags: [i, i + 1], name: "n" }
    sum += o.tags[1] - o.id
  }
  return sum
}
console.log(run())
