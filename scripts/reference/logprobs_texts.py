"""The texts the log-prob fixtures are computed on (see logprobs_fixtures.py): short prose, a long passage cut
to 1,024 tokens, chat-template conversations, code, numbers and several languages and scripts."""

LONG_PASSAGE_TOKENS = 1024

_LONG = """The lighthouse stood at the end of a narrow spit of rock that the sea had been trying to take back for three hundred years. Its keeper, a patient woman named Ilse Marrow, kept a ledger in which she wrote down every ship that passed, the direction of the wind, the height of the swell, and, on the last line of each page, a sentence about something she had noticed that day. Most of those sentences were small. A gull with one grey foot. A fishing boat painted the colour of a ripe plum. The smell of rain arriving an hour before the rain itself.

When the ledger was found, many years after the light had been automated and the keeper's cottage turned into a museum, the historians who read it were at first disappointed. They had hoped for storms and shipwrecks, for rescues in the dark, for the drama that people expect from lonely places. There was some of that, of course. In the winter of the great gale she recorded eleven ships in distress in a single night and the names of the four crews that the lifeboat brought ashore. But the storms took up a few pages, and the small sentences took up thousands.

It was a young archivist who first understood what the ledger really was. She noticed that the sentences about the weather, read in order, formed a record more precise than any instrument on the coast had kept. The keeper had written down when the swallows arrived each spring, when the first frost touched the grass on the headland, when the kelp washed up in heavy rafts after the autumn storms. Over forty years those dates drifted, slowly and unmistakably, and the drift matched what the scientists would later measure with satellites and buoys.

The archivist wrote a paper about it, and then a book, and the book was translated into several languages. People began to visit the lighthouse not to see the lamp or the brass fittings or the spiral stair, but to stand in the small room where the ledger had been written and to look out of the same window at the same sea. Some of them brought notebooks of their own. The museum started to collect them: diaries of gardens and rivers, of the first day each year that a particular tree came into leaf, of the temperature of a pond measured every morning at seven o'clock.

What had begun as one person's habit became a kind of network. Schools joined it, and so did retired engineers, farmers, sailors and a surprising number of children who liked the idea that writing down a small true thing every day might matter to someone a century later. The organisers were careful to keep the rules simple. Write the date. Write where you are. Write one thing you observed, as exactly as you can, without explaining it. Explanations, they said, change with fashion; observations keep.

There were sceptics. A scientist at a large university argued that amateur records were too noisy to be useful, that people remember wrongly and see what they expect to see. He was partly right. Many of the notebooks contradicted one another, and some were plainly invented. But when the records were gathered together in their thousands, the errors tended to cancel out, and the signal that remained was clear enough to be published in the journals he himself edited. He wrote a gracious letter admitting it, which the museum framed and hung beside the ledger.

The keeper herself never saw any of this. She retired when the light was automated, moved to a town inland, and died there at the age of ninety-one. Her neighbours remembered her as quiet and kind, fond of crossword puzzles, and oddly insistent on knowing the exact time the post arrived each morning. Among her papers they found a final notebook, only half filled. The last entry, written in a hand that had grown unsteady, recorded the date, the name of the town, and a single observation: the first blackbird singing before dawn, two days earlier than the year before.

Visitors still come to the lighthouse. On clear evenings the automated lamp begins to turn as the sun goes down, and the beam sweeps across the water just as it did when Ilse Marrow sat by the window with her pen. In the room below, a new ledger lies open on the desk, and anyone who wishes may write a line in it. Most people write about the sea. A few write about the gulls. Every so often someone writes about the smell of rain arriving an hour before the rain itself, and the guides, who know the old ledger by heart, smile and say nothing.

Years later the archivist returned as an old woman herself. She climbed the spiral stair slowly, resting on every landing, and when she reached the lamp room she stood for a long time without speaking. Then she went down to the desk, opened the new ledger, and wrote the date, the name of the lighthouse, and one line about the light on the water: how it broke into a thousand pieces on the crest of each wave and gathered itself again in the trough, as if the sea were practising the same small patience that the keeper had practised for forty years.
"""

TEXTS = [
    ("single_token", "Hello"),
    ("two_tokens", "The end"),
    ("prose_short", "The cat sat on the warm mat and watched the rain fall on the garden."),
    ("prose_question", "Why do leaves change colour in the autumn, and why do some trees keep theirs all winter?"),
    ("prose_dialogue", "\"Are you coming?\" she asked.\n\"In a minute,\" he said, not looking up from his book. \"I have to finish this chapter first.\""),
    ("prose_instructions", "To make a cup of tea, boil fresh water, warm the pot, add one spoonful of leaves per person, pour the water over them and let it steep for four minutes before serving."),
    ("prose_news", "Officials said on Tuesday that the new bridge would open to traffic next spring, two years later than planned, after engineers found cracks in several of the concrete supports."),
    ("long_passage", _LONG),
    ("code_python", "def fibonacci(n: int) -> list[int]:\n    \"\"\"Return the first n Fibonacci numbers.\"\"\"\n    a, b = 0, 1\n    out = []\n    for _ in range(n):\n        out.append(a)\n        a, b = b, a + b\n    return out\n\n\nif __name__ == \"__main__\":\n    print(fibonacci(10))\n"),
    ("code_swift", "struct Point: Hashable {\n    var x: Double\n    var y: Double\n\n    func distance(to other: Point) -> Double {\n        let dx = x - other.x, dy = y - other.y\n        return (dx * dx + dy * dy).squareRoot()\n    }\n}\n"),
    ("code_c", "#include <stdio.h>\n\nint main(void) {\n    for (int i = 0; i < 10; i++) {\n        printf(\"%d squared is %d\\n\", i, i * i);\n    }\n    return 0;\n}\n"),
    ("code_json", "{\"name\": \"sequitur\", \"version\": \"0.1.0\", \"tags\": [\"llm\", \"scoring\", \"decoding\"], \"threads\": 2, \"enabled\": true, \"ratio\": 0.75}"),
    ("numbers_arithmetic", "12 + 35 = 47. 47 * 3 = 141. 141 - 99 = 42. 1024 / 16 = 64. 3.14159 * 2 = 6.28318."),
    ("numbers_pi", "The first fifty digits of pi are 3.1415926535897932384626433832795028841971693993751."),
    ("numbers_table", "Year  Revenue  Growth\n2019  1,204,500  4.2%\n2020  1,098,300  -8.8%\n2021  1,350,750  23.0%\n2022  1,512,000  11.9%\n"),
    ("dates_times", "The meeting moved from 09:30 on 2024-03-14 to 14:45 on Friday, 15 March 2024 (UTC+01:00)."),
    ("multilingual_french", "Il était une fois, dans un petit village au bord de la mer, une vieille femme qui racontait des histoires aux enfants."),
    ("multilingual_german", "Die Straßenbahn fährt heute wegen Bauarbeiten nur bis zum Hauptbahnhof; bitte benutzen Sie ab dort den Ersatzbus."),
    ("multilingual_spanish", "¿Dónde está la biblioteca? Está al lado del museo, cerca de la plaza mayor."),
    ("multilingual_chinese", "今天天气很好，我们去公园散步吧。春天的花开得非常漂亮。"),
    ("multilingual_japanese", "東京は日本の首都です。毎年たくさんの観光客が訪れます。"),
    ("multilingual_russian", "Москва — столица России. Летом там бывает очень жарко, а зимой — холодно."),
    ("multilingual_mixed_emoji", "Bonjour 👋! Привет! こんにちは! مرحبا! 🎉🎉 Ünïcödé façade, naïve café — 100 € ≈ 108 $."),
    ("whitespace_and_symbols", "   leading spaces\n\n\ttabs\tand   runs   of   spaces\r\nwindows line end; symbols: @#$%^&*()_+-=[]{}|\\:;\"'<>,.?/~`"),
    ("prose_medium", "Scientists have long wondered how migrating birds find their way across thousands of kilometres of open ocean. Some species appear to use the position of the sun during the day and the patterns of stars at night. Others seem to sense the Earth's magnetic field, perhaps through special proteins in their eyes that respond to light in ways that depend on the field's direction. Young birds on their first journey often follow older ones, learning the route by experience, while some species make the trip alone and still arrive at the same wintering grounds as their parents. Researchers attach tiny trackers weighing less than a gram to follow them, and every year the maps they draw reveal routes that nobody had suspected."),
]

CHATS = [
    ("chat_single_turn", [
        {"role": "user", "content": "What is the capital of France?"},
    ]),
    ("chat_system_and_turns", [
        {"role": "system", "content": "You are a concise assistant who answers in one sentence."},
        {"role": "user", "content": "Explain photosynthesis."},
        {"role": "assistant", "content": "Plants use sunlight to turn water and carbon dioxide into sugar and oxygen."},
        {"role": "user", "content": "And why are leaves green?"},
    ]),
    ("chat_code_request", [
        {"role": "user", "content": "Write a Python function that reverses a string."},
        {"role": "assistant", "content": "def reverse(s):\n    return s[::-1]"},
        {"role": "user", "content": "Now make it handle None by returning an empty string."},
    ]),
]
