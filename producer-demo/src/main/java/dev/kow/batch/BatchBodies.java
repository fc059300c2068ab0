package dev.kow.batch;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.kow.avro.ChatMessage;
import dev.kow.avro.GenerationOptions;
import dev.kow.avro.InferenceRequest;
import tools.jackson.databind.JsonNode;

/**
 * Maps a batch line's {@code body} onto an {@link InferenceRequest}: OpenAI bodies the
 * way Ollama's own OpenAI-compatible layer maps them ({@code openai/openai.go}:
 * {@code max_tokens} or {@code max_completion_tokens} to {@code num_predict},
 * {@code temperature} and {@code top_p} 1.0 when absent, {@code stop} as a string or a
 * list, {@code response_format} {@code json_object} to {@code format: "json"} and
 * {@code json_schema} to its schema, content parts each a message, images only as base64
 * data URLs), Ollama bodies field for field. What neither the worker nor this mapping
 * supports is refused by name rather than dropped.
 */
final class BatchBodies {

	private static final Set<String> OPTION_FIELDS = Set.of("temperature", "top_p", "top_k", "min_p", "seed",
			"num_predict", "num_ctx", "stop", "repeat_penalty", "presence_penalty", "frequency_penalty");

	private BatchBodies() {
	}

	/**
	 * @param endpoint the line's endpoint
	 * @param body the line's {@code body}
	 * @return a request builder with model, mode and the endpoint's fields set
	 * @throws LineException naming the field that is missing, malformed or not supported
	 */
	static InferenceRequest.Builder map(BatchEndpoint endpoint, JsonNode body) throws LineException {
		if (!body.isObject()) {
			throw new LineException("body must be a JSON object");
		}
		InferenceRequest.Builder request = InferenceRequest.newBuilder()
			.setModel(text(body, "model"))
			.setMode(endpoint.mode());
		if (endpoint.openAi()) {
			openAi(endpoint, body, request);
		}
		else {
			ollama(endpoint, body, request);
		}
		return request;
	}

	private static void openAi(BatchEndpoint endpoint, JsonNode body, InferenceRequest.Builder request)
			throws LineException {
		refuse(body, "tools", "functions", "suffix", "logit_bias", "logprobs", "top_logprobs", "dimensions");
		if (body.has("n") && body.path("n").asInt() != 1) {
			throw new LineException("n must be 1: Ollama returns one choice");
		}
		switch (endpoint) {
			case CHAT_COMPLETIONS -> request.setMessages(openAiMessages(body.path("messages")));
			case COMPLETIONS -> request.setPrompt(single(body.path("prompt"), "prompt"));
			case EMBEDDINGS -> {
				if (body.path("encoding_format").isString()
						&& !"float".equals(body.path("encoding_format").asString())) {
					throw new LineException("encoding_format must be float");
				}
				request.setInputs(strings(body.path("input"), "input"));
				return;
			}
			default -> throw new IllegalStateException("not an OpenAI endpoint: " + endpoint);
		}
		GenerationOptions.Builder options = GenerationOptions.newBuilder()
			.setTemperature(floatOr(body, "temperature", 1.0f))
			.setTopP(floatOr(body, "top_p", 1.0f))
			.setFrequencyPenalty(floatOr(body, "frequency_penalty", null))
			.setPresencePenalty(floatOr(body, "presence_penalty", null))
			.setSeed(body.path("seed").isNumber() ? body.path("seed").asInt() : null)
			.setStop(body.has("stop") ? strings(body.path("stop"), "stop") : List.of());
		JsonNode max = body.has("max_completion_tokens") ? body.path("max_completion_tokens") : body.path("max_tokens");
		if (max.isNumber()) {
			options.setNumPredict(max.asInt());
		}
		request.setOptions(options.build());
		JsonNode format = body.path("response_format");
		switch (format.path("type").asString("text")) {
			case "text" -> {
			}
			case "json_object" -> request.setFormat("json");
			case "json_schema" -> {
				JsonNode schema = format.path("json_schema").path("schema");
				if (!schema.isObject()) {
					throw new LineException("response_format.json_schema.schema must be an object");
				}
				request.setFormat(schema.toString());
			}
			default -> throw new LineException("response_format.type must be text, json_object or json_schema");
		}
	}

	private static List<ChatMessage> openAiMessages(JsonNode messages) throws LineException {
		if (!messages.isArray() || messages.isEmpty()) {
			throw new LineException("messages must be a non-empty array");
		}
		List<ChatMessage> mapped = new ArrayList<>();
		for (JsonNode message : messages) {
			String role = text(message, "role");
			JsonNode content = message.path("content");
			if (content.isString()) {
				mapped.add(new ChatMessage(role, content.asString(), List.of()));
				continue;
			}
			if (!content.isArray()) {
				throw new LineException("messages[].content must be a string or an array of parts");
			}
			for (JsonNode part : content) {
				switch (part.path("type").asString("")) {
					case "text" -> mapped.add(new ChatMessage(role, text(part, "text"), List.of()));
					case "image_url" -> mapped.add(new ChatMessage(role, "",
							List.of(ByteBuffer.wrap(dataUrl(part.path("image_url").path("url").asString(""))))));
					default -> throw new LineException("content parts must be text or image_url");
				}
			}
		}
		return mapped;
	}

	private static byte[] dataUrl(String url) throws LineException {
		int comma = url.indexOf(',');
		if (!url.startsWith("data:") || comma < 0 || !url.substring(0, comma).endsWith(";base64")) {
			throw new LineException("image_url.url must be a base64 data URL (data:image/...;base64,...)");
		}
		return base64(url.substring(comma + 1));
	}

	private static void ollama(BatchEndpoint endpoint, JsonNode body, InferenceRequest.Builder request)
			throws LineException {
		refuse(body, "tools", "suffix", "raw", "template", "context", "think", "dimensions");
		switch (endpoint) {
			case OLLAMA_GENERATE -> {
				request.setPrompt(text(body, "prompt"));
				request.setSystem(body.path("system").isString() ? body.path("system").asString() : null);
				List<ByteBuffer> images = new ArrayList<>();
				for (JsonNode image : body.path("images")) {
					images.add(ByteBuffer.wrap(base64(image.asString(""))));
				}
				request.setImages(images);
			}
			case OLLAMA_CHAT -> {
				if (!body.path("messages").isArray() || body.path("messages").isEmpty()) {
					throw new LineException("messages must be a non-empty array");
				}
				List<ChatMessage> messages = new ArrayList<>();
				for (JsonNode message : body.path("messages")) {
					List<ByteBuffer> images = new ArrayList<>();
					for (JsonNode image : message.path("images")) {
						images.add(ByteBuffer.wrap(base64(image.asString(""))));
					}
					messages.add(new ChatMessage(text(message, "role"), message.path("content").asString(""), images));
				}
				request.setMessages(messages);
			}
			case OLLAMA_EMBED -> request.setInputs(strings(body.path("input"), "input"));
			default -> throw new IllegalStateException("not an Ollama endpoint: " + endpoint);
		}
		if (body.path("options").isObject()) {
			request.setOptions(options(body.path("options")));
		}
		JsonNode format = body.path("format");
		if (format.isString()) {
			request.setFormat(format.asString());
		}
		else if (format.isObject()) {
			request.setFormat(format.toString());
		}
		if (body.has("keep_alive")) {
			request.setKeepAlive(body.path("keep_alive").asString(body.path("keep_alive").toString()));
		}
	}

	private static GenerationOptions options(JsonNode options) throws LineException {
		Map<String, String> extra = new HashMap<>();
		for (Map.Entry<String, JsonNode> option : options.properties()) {
			if (!OPTION_FIELDS.contains(option.getKey())) {
				extra.put(option.getKey(), option.getValue().toString());
			}
		}
		return GenerationOptions.newBuilder()
			.setTemperature(floatOr(options, "temperature", null))
			.setTopP(floatOr(options, "top_p", null))
			.setTopK(options.path("top_k").isNumber() ? options.path("top_k").asInt() : null)
			.setMinP(floatOr(options, "min_p", null))
			.setSeed(options.path("seed").isNumber() ? options.path("seed").asInt() : null)
			.setNumPredict(options.path("num_predict").isNumber() ? options.path("num_predict").asInt() : null)
			.setNumCtx(options.path("num_ctx").isNumber() ? options.path("num_ctx").asInt() : null)
			.setStop(options.has("stop") ? strings(options.path("stop"), "options.stop") : List.of())
			.setRepeatPenalty(floatOr(options, "repeat_penalty", null))
			.setPresencePenalty(floatOr(options, "presence_penalty", null))
			.setFrequencyPenalty(floatOr(options, "frequency_penalty", null))
			.setExtra(extra)
			.build();
	}

	private static void refuse(JsonNode body, String... fields) throws LineException {
		for (String field : fields) {
			if (body.has(field) && !body.path(field).isNull()) {
				throw new LineException(field + " is not supported in a batch line");
			}
		}
	}

	private static String text(JsonNode node, String field) throws LineException {
		JsonNode value = node.path(field);
		if (!value.isString() || value.asString().isBlank()) {
			throw new LineException(field + " must be a non-empty string");
		}
		return value.asString();
	}

	private static String single(JsonNode value, String field) throws LineException {
		List<String> values = strings(value, field);
		if (values.size() != 1) {
			throw new LineException(field + " must be one string");
		}
		return values.get(0);
	}

	private static List<String> strings(JsonNode value, String field) throws LineException {
		if (value.isString()) {
			return List.of(value.asString());
		}
		if (!value.isArray() || value.isEmpty()) {
			throw new LineException(field + " must be a string or a non-empty array of strings");
		}
		List<String> values = new ArrayList<>();
		for (JsonNode item : value) {
			if (!item.isString()) {
				throw new LineException(field + " must hold strings (token arrays are not supported)");
			}
			values.add(item.asString());
		}
		return values;
	}

	private static Float floatOr(JsonNode node, String field, Float otherwise) throws LineException {
		JsonNode value = node.path(field);
		if (value.isMissingNode() || value.isNull()) {
			return otherwise;
		}
		if (!value.isNumber()) {
			throw new LineException(field + " must be a number");
		}
		return value.floatValue();
	}

	private static byte[] base64(String data) throws LineException {
		try {
			return Base64.getDecoder().decode(data);
		}
		catch (IllegalArgumentException ex) {
			throw new LineException("an image is not valid base64");
		}
	}

}
