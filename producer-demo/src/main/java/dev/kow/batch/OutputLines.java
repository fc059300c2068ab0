package dev.kow.batch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.kow.avro.ErrorCategory;
import dev.kow.avro.InferenceResult;
import dev.kow.avro.Mode;
import dev.kow.avro.Status;

/**
 * A result as a line of the OpenAI Batch output or error file: {@code {"id", "custom_id",
 * "response": {"status_code", "request_id", "body"}, "error"}}. The body is shaped like
 * the endpoint's answer: OpenAI's {@code chat.completion}, {@code text_completion} or
 * embedding {@code list} with {@code usage} (as Ollama's OpenAI layer fills them: prompt
 * tokens from {@code prompt_eval_count}, completion tokens from {@code eval_count},
 * {@code finish_reason} {@code length} when Ollama's {@code done_reason} is
 * {@code length}), or Ollama's own response for Ollama-native lines. Error lines have no
 * response and an {@code error} with a code ({@code batch_expired},
 * {@code batch_cancelled}, or the worker's error category in lower case) and a message.
 */
final class OutputLines {

	private OutputLines() {
	}

	/**
	 * @param result a result of the batch
	 * @return its output line (SUCCEEDED) or error line
	 */
	static Map<String, Object> of(InferenceResult result) {
		Map<String, Object> line = new LinkedHashMap<>();
		line.put("id", "batch_req_" + result.getRequestId());
		line.put("custom_id", String.valueOf(result.getCustomId()));
		if (result.getStatus() == Status.SUCCEEDED) {
			Map<String, Object> response = new LinkedHashMap<>();
			response.put("status_code", 200);
			response.put("request_id", result.getRequestId());
			response.put("body", body(result));
			line.put("response", response);
			line.put("error", null);
		}
		else {
			Map<String, Object> error = new LinkedHashMap<>();
			ErrorCategory category = (result.getError() != null) ? result.getError().getCategory()
					: ErrorCategory.UNKNOWN;
			error.put("code",
					(result.getStatus() == Status.EXPIRED) ? "batch_expired" : (category == ErrorCategory.CANCELLED)
							? "batch_cancelled" : category.name().toLowerCase(java.util.Locale.ROOT));
			error.put("message", (result.getError() != null) ? result.getError().getMessage() : "failed");
			line.put("response", null);
			line.put("error", error);
		}
		return line;
	}

	private static Object body(InferenceResult result) {
		String endpoint = result.getMetadata().getOrDefault(BatchRecords.ENDPOINT, "");
		return BatchEndpoint.ofUrl(endpoint)
			.filter(BatchEndpoint::openAi)
			.map(openAi -> openAi(openAi, result))
			.orElseGet(() -> ollama(result));
	}

	private static Map<String, Object> openAi(BatchEndpoint endpoint, InferenceResult result) {
		int prompt = (result.getPromptEvalCount() != null) ? result.getPromptEvalCount() : 0;
		int completion = (result.getEvalCount() != null) ? result.getEvalCount() : 0;
		long created = result.getFinishedAt().getEpochSecond();
		Map<String, Object> body = new LinkedHashMap<>();
		Map<String, Object> usage = new LinkedHashMap<>();
		usage.put("prompt_tokens", prompt);
		if (endpoint == BatchEndpoint.EMBEDDINGS) {
			body.put("object", "list");
			List<Map<String, Object>> data = new ArrayList<>();
			List<List<Float>> embeddings = result.getEmbeddings();
			for (int i = 0; i < embeddings.size(); i++) {
				Map<String, Object> item = new LinkedHashMap<>();
				item.put("object", "embedding");
				item.put("embedding", embeddings.get(i));
				item.put("index", i);
				data.add(item);
			}
			body.put("data", data);
			body.put("model", result.getModel());
			usage.put("total_tokens", prompt);
			body.put("usage", usage);
			return body;
		}
		String finish = "length".equals(result.getDoneReason()) ? "length" : "stop";
		Map<String, Object> choice = new LinkedHashMap<>();
		choice.put("index", 0);
		if (endpoint == BatchEndpoint.CHAT_COMPLETIONS) {
			body.put("id", "chatcmpl-" + result.getRequestId());
			body.put("object", "chat.completion");
			Map<String, Object> message = new LinkedHashMap<>();
			message.put("role", "assistant");
			message.put("content", (result.getMessage() != null) ? result.getMessage().getContent() : "");
			if (result.getThinking() != null) {
				message.put("reasoning", result.getThinking());
			}
			choice.put("message", message);
		}
		else {
			body.put("id", "cmpl-" + result.getRequestId());
			body.put("object", "text_completion");
			choice.put("text", String.valueOf(result.getResponse()));
			choice.put("logprobs", null);
		}
		choice.put("finish_reason", finish);
		body.put("created", created);
		body.put("model", result.getModel());
		body.put("system_fingerprint", "fp_ollama");
		body.put("choices", List.of(choice));
		usage.put("completion_tokens", completion);
		usage.put("total_tokens", prompt + completion);
		body.put("usage", usage);
		return body;
	}

	private static Map<String, Object> ollama(InferenceResult result) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("model", result.getModel());
		body.put("created_at", result.getFinishedAt().toString());
		if (result.getMode() == Mode.EMBED) {
			body.put("embeddings", result.getEmbeddings());
		}
		else if (result.getMode() == Mode.CHAT) {
			Map<String, Object> message = new LinkedHashMap<>();
			message.put("role", "assistant");
			message.put("content", (result.getMessage() != null) ? result.getMessage().getContent() : "");
			if (result.getThinking() != null) {
				message.put("thinking", result.getThinking());
			}
			body.put("message", message);
		}
		else {
			body.put("response", String.valueOf(result.getResponse()));
			if (result.getThinking() != null) {
				body.put("thinking", result.getThinking());
			}
		}
		if (result.getMode() != Mode.EMBED) {
			body.put("done", true);
			body.put("done_reason", result.getDoneReason());
		}
		body.put("total_duration", result.getTotalDurationNs());
		body.put("load_duration", result.getLoadDurationNs());
		body.put("prompt_eval_count", result.getPromptEvalCount());
		if (result.getMode() != Mode.EMBED) {
			body.put("prompt_eval_duration", result.getPromptEvalDurationNs());
			body.put("eval_count", result.getEvalCount());
			body.put("eval_duration", result.getEvalDurationNs());
		}
		return body;
	}

}
