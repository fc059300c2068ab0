package dev.kow.worker.ollama;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import dev.kow.avro.ChatMessage;
import dev.kow.avro.GenerationOptions;
import dev.kow.avro.InferenceRequest;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Maps an {@link InferenceRequest} to the body of {@code /api/generate},
 * {@code /api/chat} or {@code /api/embed} ({@code docs/ollama-behaviour.md},
 * "Endpoints"). Always {@code stream:true} for generate and chat. Stateless.
 */
public final class OllamaRequests {

	private static final ObjectMapper JSON = JsonMapper.builder().build();

	private OllamaRequests() {
	}

	/**
	 * @param request a validated request
	 * @param defaultKeepAlive {@code keep_alive} when the request has none
	 * @param truncate Ollama's {@code truncate}: when false (sent explicitly), a prompt
	 * or input over the model's context window is refused with a 400 instead of being cut
	 * silently (Ollama's default, whose only trace is a low {@code prompt_eval_count};
	 * {@code docs/ollama-behaviour.md}, "Context window and truncation")
	 * @return the call
	 */
	public static OllamaCall toCall(InferenceRequest request, String defaultKeepAlive, boolean truncate) {
		ObjectNode body = JSON.createObjectNode().put("model", request.getModel());
		String keepAlive = request.getKeepAlive() != null ? request.getKeepAlive() : defaultKeepAlive;
		String path = switch (request.getMode()) {
			case GENERATE -> {
				body.put("prompt", request.getPrompt());
				if (request.getSystem() != null) {
					body.put("system", request.getSystem());
				}
				images(body, request.getImages());
				yield "/api/generate";
			}
			case CHAT -> {
				ArrayNode messages = body.putArray("messages");
				List<ChatMessage> history = request.getMessages();
				if (request.getSystem() != null && (history.isEmpty() || !"system".equals(history.get(0).getRole()))) {
					messages.addObject().put("role", "system").put("content", request.getSystem());
				}
				for (ChatMessage message : history) {
					ObjectNode node = messages.addObject()
						.put("role", message.getRole())
						.put("content", message.getContent());
					images(node, message.getImages());
				}
				yield "/api/chat";
			}
			case EMBED -> {
				ArrayNode input = body.putArray("input");
				if (request.getPrompt() != null && !request.getPrompt().isEmpty()) {
					input.add(request.getPrompt());
				}
				request.getInputs().forEach(input::add);
				yield "/api/embed";
			}
		};
		if (!path.equals("/api/embed")) {
			body.put("stream", true);
			if (request.getFormat() != null) {
				body.set("format", format(request.getFormat()));
			}
		}
		if (keepAlive != null) {
			body.put("keep_alive", keepAlive);
		}
		if (!truncate) {
			body.put("truncate", false);
		}
		ObjectNode options = options(request.getOptions());
		if (!options.isEmpty()) {
			body.set("options", options);
		}
		return new OllamaCall(path, body, request.getModel());
	}

	/**
	 * @param format the request's {@code format}
	 * @return the JSON value Ollama expects: the string {@code json} or a schema object
	 * @throws IllegalArgumentException when it is neither
	 */
	public static JsonNode format(String format) {
		if (format.equals("json")) {
			return JSON.getNodeFactory().stringNode("json");
		}
		try {
			JsonNode schema = JSON.readTree(format);
			if (!schema.isObject()) {
				throw new IllegalArgumentException("format must be \"json\" or a JSON Schema object");
			}
			return schema;
		}
		catch (JacksonException ex) {
			throw new IllegalArgumentException(
					"format must be \"json\" or a JSON Schema object: " + ex.getOriginalMessage());
		}
	}

	private static ObjectNode options(GenerationOptions options) {
		ObjectNode node = JSON.createObjectNode();
		if (options == null) {
			return node;
		}
		if (options.getTemperature() != null) {
			node.put("temperature", options.getTemperature());
		}
		if (options.getTopP() != null) {
			node.put("top_p", options.getTopP());
		}
		if (options.getTopK() != null) {
			node.put("top_k", options.getTopK());
		}
		if (options.getMinP() != null) {
			node.put("min_p", options.getMinP());
		}
		if (options.getSeed() != null) {
			node.put("seed", options.getSeed());
		}
		if (options.getNumPredict() != null) {
			node.put("num_predict", options.getNumPredict());
		}
		if (options.getNumCtx() != null) {
			node.put("num_ctx", options.getNumCtx());
		}
		if (!options.getStop().isEmpty()) {
			ArrayNode stop = node.putArray("stop");
			options.getStop().forEach(stop::add);
		}
		if (options.getRepeatPenalty() != null) {
			node.put("repeat_penalty", options.getRepeatPenalty());
		}
		if (options.getPresencePenalty() != null) {
			node.put("presence_penalty", options.getPresencePenalty());
		}
		if (options.getFrequencyPenalty() != null) {
			node.put("frequency_penalty", options.getFrequencyPenalty());
		}
		for (Map.Entry<String, String> extra : options.getExtra().entrySet()) {
			try {
				node.set(extra.getKey(), JSON.readTree(extra.getValue()));
			}
			catch (JacksonException notJson) {
				node.put(extra.getKey(), extra.getValue());
			}
		}
		return node;
	}

	private static void images(ObjectNode node, List<ByteBuffer> images) {
		if (images.isEmpty()) {
			return;
		}
		ArrayNode array = node.putArray("images");
		for (ByteBuffer image : images) {
			ByteBuffer copy = image.duplicate();
			byte[] bytes = new byte[copy.remaining()];
			copy.get(bytes);
			array.add(Base64.getEncoder().encodeToString(bytes));
		}
	}

}
