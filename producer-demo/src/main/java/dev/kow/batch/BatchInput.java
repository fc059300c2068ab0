package dev.kow.batch;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.kow.avro.GenerationOptions;
import dev.kow.avro.InferenceRequest;
import dev.kow.avro.Mode;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A batch file read and validated line by line before anything is sent. Three line shapes
 * are accepted:
 * <ul>
 * <li>OpenAI Batch input, unchanged: {@code {"custom_id", "method": "POST", "url":
 * "/v1/chat/completions" | "/v1/completions" | "/v1/embeddings", "body"}};</li>
 * <li>Ollama-native: {@code {"custom_id", "body": <an /api/generate, /api/chat or
 * /api/embed body>}}, with an optional {@code "url"} naming the endpoint, otherwise the
 * body decides ({@code messages}: chat, {@code input}: embed, else generate);</li>
 * <li>{@code {"prompt": ...}} lines (optionally {@code "id"} or {@code "custom_id"}),
 * generated with the default model; their {@code custom_id} is {@code line-<n>} when
 * absent.</li>
 * </ul>
 * Blank lines are skipped. A {@code custom_id} may appear once.
 *
 * @param lines the valid lines, in file order
 * @param errors the invalid lines, in file order
 */
public record BatchInput(List<BatchLine> lines, List<LineError> errors) {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/**
	 * An invalid line.
	 *
	 * @param number its line number, from 1
	 * @param message what is wrong (never its prompt text)
	 */
	public record LineError(int number, String message) {

		@Override
		public String toString() {
			return "line " + this.number + ": " + this.message;
		}

	}

	/**
	 * Reads and validates a batch file.
	 * @param file a JSONL file, UTF-8
	 * @param defaultModel the model of {@code {"prompt"}} lines
	 * @param defaultNumPredict {@code num_predict} of {@code {"prompt"}} lines; 0 sends
	 * none
	 * @return its valid and invalid lines
	 * @throws IOException when the file cannot be read
	 */
	public static BatchInput read(Path file, String defaultModel, int defaultNumPredict) throws IOException {
		List<BatchLine> lines = new ArrayList<>();
		List<LineError> errors = new ArrayList<>();
		Map<String, Integer> seen = new HashMap<>();
		try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			String text;
			int number = 0;
			while ((text = reader.readLine()) != null) {
				number++;
				if (text.isBlank()) {
					continue;
				}
				try {
					BatchLine line = parse(number, text, defaultModel, defaultNumPredict);
					Integer first = seen.putIfAbsent(line.customId(), number);
					if (first != null) {
						throw new LineException("custom_id '" + line.customId() + "' is already used on line " + first);
					}
					lines.add(line);
				}
				catch (LineException ex) {
					errors.add(new LineError(number, ex.getMessage()));
				}
			}
		}
		return new BatchInput(List.copyOf(lines), List.copyOf(errors));
	}

	/**
	 * @return the endpoint shared by the lines, or {@code "mixed"}
	 */
	public String endpoint() {
		List<String> urls = this.lines.stream().map(line -> line.endpoint().url()).distinct().toList();
		return urls.size() == 1 ? urls.get(0) : "mixed";
	}

	static BatchLine parse(int number, String text, String defaultModel, int defaultNumPredict) throws LineException {
		JsonNode line;
		try {
			line = JSON.readTree(text);
		}
		catch (JacksonException ex) {
			throw new LineException("not valid JSON: " + ex.getOriginalMessage());
		}
		if (!line.isObject()) {
			throw new LineException("not a JSON object");
		}
		if (!line.has("body")) {
			return promptLine(number, line, defaultModel, defaultNumPredict);
		}
		String customId = customId(line);
		JsonNode body = line.path("body");
		BatchEndpoint endpoint;
		if (line.has("url")) {
			endpoint = BatchEndpoint.ofUrl(line.path("url").asString(""))
				.orElseThrow(() -> new LineException("url must be /v1/chat/completions, /v1/completions, "
						+ "/v1/embeddings, /api/chat, /api/generate or /api/embed"));
			if (endpoint.openAi() && !"POST".equals(line.path("method").asString("POST"))) {
				throw new LineException("method must be POST");
			}
		}
		else {
			endpoint = body.has("messages") ? BatchEndpoint.OLLAMA_CHAT
					: body.has("input") ? BatchEndpoint.OLLAMA_EMBED : BatchEndpoint.OLLAMA_GENERATE;
		}
		return new BatchLine(number, customId, endpoint, BatchBodies.map(endpoint, body));
	}

	private static String customId(JsonNode line) throws LineException {
		JsonNode id = line.path("custom_id");
		if (!id.isString() || id.asString().isBlank()) {
			throw new LineException("custom_id must be a non-empty string");
		}
		return id.asString();
	}

	private static BatchLine promptLine(int number, JsonNode line, String model, int numPredict) throws LineException {
		JsonNode prompt = line.path("prompt");
		if (!prompt.isString() || prompt.asString().isBlank()) {
			throw new LineException("a line needs a \"body\" (OpenAI or Ollama) or a non-empty \"prompt\"");
		}
		String customId = line.has("custom_id") ? customId(line)
				: line.path("id").isString() ? line.path("id").asString() : "line-" + number;
		InferenceRequest.Builder request = InferenceRequest.newBuilder()
			.setModel(model)
			.setMode(Mode.GENERATE)
			.setPrompt(prompt.asString());
		if (numPredict > 0) {
			request.setOptions(GenerationOptions.newBuilder().setNumPredict(numPredict).build());
		}
		return new BatchLine(number, customId, BatchEndpoint.OLLAMA_GENERATE, request);
	}

}
