print("sequitur")
