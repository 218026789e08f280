/// The chat template of the default model, SmolLM2-135M-Instruct (`tokenizer.chat_template`, as in
/// Tests/Fixtures/chat/smollm2.json): a real template to render fuzzed messages with.
public let smolLM2ChatTemplate = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
