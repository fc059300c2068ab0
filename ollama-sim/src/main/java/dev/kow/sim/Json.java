package dev.kow.sim;

import java.util.Map;
import java.util.Set;

import tools.jackson.core.JacksonException;
import tools.jackson.core.SerializableString;
import tools.jackson.core.io.CharacterEscapes;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * JSON as Ollama's Go server reads and writes it: {@code <}, {@code >} and {@code &}
 * escaped as {@code \u003c}-style sequences, decoder errors worded like Go's
 * {@code encoding/json}, unknown fields ignored.
 */
final class Json {

	private static final Set<String> INT_OPTIONS = Set.of("num_ctx", "num_predict", "top_k", "seed", "num_keep",
			"repeat_last_n", "num_batch", "num_gpu", "main_gpu", "num_thread", "draft_num_predict");

	private static final Set<String> FLOAT_OPTIONS = Set.of("temperature", "top_p", "min_p", "typical_p",
			"repeat_penalty", "presence_penalty", "frequency_penalty");

	private static final JsonMapper MAPPER = JsonMapper
		.builder(JsonFactory.builder().characterEscapes(new GoEscapes()).build())
		.build();

	private Json() {
	}

	static ObjectNode object() {
		return MAPPER.createObjectNode();
	}

	static String write(JsonNode node) {
		return MAPPER.writeValueAsString(node);
	}

	/**
	 * @param body a request body
	 * @return the parsed object
	 * @throws SimHttpError 400 {@code missing request body} or a Go-style syntax message
	 */
	static JsonNode parseRequest(String body) {
		if (body.isBlank()) {
			throw new SimHttpError(400, "missing request body");
		}
		try {
			JsonNode node = MAPPER.readTree(body);
			if (!node.isObject()) {
				throw new SimHttpError(400,
						"json: cannot unmarshal " + goKind(node) + " into Go value of type api.Request");
			}
			return node;
		}
		catch (JacksonException ex) {
			String trimmed = body.strip();
			char first = trimmed.charAt(0);
			throw new SimHttpError(400, first == '{' || first == '[' ? "unexpected EOF"
					: "invalid character '" + first + "' looking for beginning of value");
		}
	}

	/**
	 * Reads an optional string field the way Go's decoder does.
	 * @param node the object
	 * @param field the field
	 * @param struct the Go struct name for the error message
	 * @return the value, "" when absent or null
	 * @throws SimHttpError 400 when the field has another JSON type
	 */
	static String string(JsonNode node, String field, String struct) {
		JsonNode value = node.get(field);
		if (value == null || value.isNull()) {
			return "";
		}
		if (!value.isString()) {
			throw new SimHttpError(400, "json: cannot unmarshal " + goKind(value) + " into Go struct field " + struct
					+ "." + field + " of type string");
		}
		return value.asString();
	}

	static String goKind(JsonNode value) {
		if (value.isNumber()) {
			return "number";
		}
		if (value.isBoolean()) {
			return "bool";
		}
		if (value.isArray()) {
			return "array";
		}
		return value.isObject() ? "object" : "string";
	}

	/**
	 * Checks known option types; unknown keys are ignored, as Ollama does.
	 * @param options the {@code options} object, may be missing
	 * @throws SimHttpError 500 {@code option "X" must be of type integer|float} for a
	 * wrong type
	 */
	static void checkOptions(JsonNode options) {
		if (!options.isObject()) {
			return;
		}
		for (Map.Entry<String, JsonNode> entry : options.properties()) {
			if (INT_OPTIONS.contains(entry.getKey()) && !entry.getValue().isNumber()) {
				throw new SimHttpError(500, "option \"" + entry.getKey() + "\" must be of type integer");
			}
			if (FLOAT_OPTIONS.contains(entry.getKey()) && !entry.getValue().isNumber()) {
				throw new SimHttpError(500, "option \"" + entry.getKey() + "\" must be of type float");
			}
		}
	}

	/** Go's {@code encoding/json} HTML escaping. */
	private static final class GoEscapes extends CharacterEscapes {

		private final int[] escapes;

		GoEscapes() {
			this.escapes = standardAsciiEscapesForJSON();
			this.escapes['<'] = ESCAPE_STANDARD;
			this.escapes['>'] = ESCAPE_STANDARD;
			this.escapes['&'] = ESCAPE_STANDARD;
		}

		@Override
		public int[] getEscapeCodesForAscii() {
			return this.escapes;
		}

		@Override
		public SerializableString getEscapeSequence(int ch) {
			return null;
		}

	}

}
