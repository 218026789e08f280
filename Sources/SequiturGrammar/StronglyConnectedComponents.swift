/// Tarjan's strongly connected components, iteratively (a grammar's rule graph can be deep enough to overflow
/// the stack of a recursive version): `of(graph)[v]` is the component of vertex `v`.
enum StronglyConnectedComponents {
    static func of(_ graph: [[Int]]) -> [Int] {
        let n = graph.count
        var index = [Int](repeating: -1, count: n), low = [Int](repeating: 0, count: n)
        var onStack = [Bool](repeating: false, count: n), component = [Int](repeating: -1, count: n)
        var stack: [Int] = [], next = 0, components = 0
        for start in 0..<n where index[start] < 0 {
            // Each frame: a vertex and how many of its edges have been followed.
            var frames: [(v: Int, edge: Int)] = [(start, 0)]
            index[start] = next; low[start] = next; next += 1
            stack.append(start); onStack[start] = true
            while let (v, e) = frames.last {
                if e < graph[v].count {
                    frames[frames.count - 1].edge += 1
                    let w = graph[v][e]
                    if index[w] < 0 {
                        index[w] = next; low[w] = next; next += 1
                        stack.append(w); onStack[w] = true
                        frames.append((w, 0))
                    } else if onStack[w] {
                        low[v] = min(low[v], index[w])
                    }
                    continue
                }
                frames.removeLast()
                if let parent = frames.last { low[parent.v] = min(low[parent.v], low[v]) }
                if low[v] == index[v] {
                    while let w = stack.popLast() {
                        onStack[w] = false
                        component[w] = components
                        if w == v { break }
                    }
                    components += 1
                }
            }
        }
        return component
    }
}
