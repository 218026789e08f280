import ArgumentParser

@main
struct SequiturCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sequitur",
        abstract: "Score and decode with causal language models (llama-architecture GGUF files).",
        discussion: """
            Scoring computes log Pr(y|x) = log Pr([x,y]) − log Pr(x), per token, batched. Decoding searches for \
            ŷ = argmax_y Pr(y|x) with a decoder chosen by name (greedy, beam, exhaustive, sampling).

            Every command reads the cached default model (./scripts/bootstrap fetches it) unless --model names a \
            GGUF file.
            """,
        subcommands: [
            GenerateCommand.self, ChatCommand.self, ScoreCommand.self, RankCommand.self, PerplexityCommand.self,
            CompareDecodersCommand.self, MergeCommand.self, DecodersCommand.self, ProcessorsCommand.self, GrammarCommand.self,
            TokenizeCommand.self, ServeCommand.self,
            InspectCommand.self,
            BenchCommand.self, DevicesCommand.self, CheckKernelsCommand.self,
        ]
    )
}
