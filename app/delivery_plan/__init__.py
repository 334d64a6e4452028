"""The council's attendance delivery plan: objectives, actions, RAG status and its history."""
