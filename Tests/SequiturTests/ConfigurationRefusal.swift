import Sequitur

/// The error `ConfigurationLoader.parse` gives for `text`, as the user reads it, or nil when the text is accepted.
func configurationRefusal(_ text: String) -> String? {
    do {
        _ = try ConfigurationLoader.parse(text)
        return nil
    } catch { return "\(error)" }
}
