package dev.kow.batch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.kow.avro.InferenceRequest;
import dev.kow.avro.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Batch files in the three accepted shapes, mapped as Ollama's OpenAI layer maps them.
 */
class BatchInputTest {

	@TempDir
	Path dir;

	private BatchInput read(String... lines) throws IOException {
		Path file = this.dir.resolve("batch.jsonl");
		Files.write(file, List.of(lines));
		return BatchInput.read(file, "llama3.2", 0);
	}

	private static InferenceRequest build(BatchLine line) {
		return line.request().setId("x").setCreatedAt(java.time.Instant.EPOCH).build();
	}

	@Test
	void openAiChatLinesMapAsOllamasOpenAiLayerMapsThem() throws IOException {
		BatchInput input = read(
				"""
						{"custom_id":"c1","method":"POST","url":"/v1/chat/completions","body":{"model":"llama3.2","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAEC"}}]}],"max_tokens":64,"stop":"END","seed":7,"frequency_penalty":0.5,"response_format":{"type":"json_schema","json_schema":{"name":"a","schema":{"type":"object"}}}}}""");

		assertThat(input.errors()).isEmpty();
		InferenceRequest request = build(input.lines().get(0));
		assertThat(request.getMode()).isEqualTo(Mode.CHAT);
		assertThat(request.getMessages()).hasSize(3);
		assertThat(request.getMessages().get(1).getContent()).isEqualTo("What is this?");
		assertThat(request.getMessages().get(2).getImages()).containsExactly(ByteBuffer.wrap(new byte[] { 0, 1, 2 }));
		assertThat(request.getOptions().getNumPredict()).isEqualTo(64);
		assertThat(request.getOptions().getStop()).containsExactly("END");
		assertThat(request.getOptions().getSeed()).isEqualTo(7);
		assertThat(request.getOptions().getFrequencyPenalty()).isEqualTo(0.5f);
		assertThat(request.getOptions().getTemperature()).as("injected like Ollama's OpenAI layer").isEqualTo(1.0f);
		assertThat(request.getOptions().getTopP()).isEqualTo(1.0f);
		assertThat(request.getFormat()).isEqualTo("{\"type\":\"object\"}");
	}

	@Test
	void completionsEmbeddingsOllamaAndPromptLinesAreAccepted() throws IOException {
		BatchInput input = read(
				"""
						{"custom_id":"p1","method":"POST","url":"/v1/completions","body":{"model":"llama3.2","prompt":"Once","max_completion_tokens":5,"response_format":{"type":"json_object"}}}""",
				"""
						{"custom_id":"e1","method":"POST","url":"/v1/embeddings","body":{"model":"all-minilm","input":["a","b"]}}""",
				"""
						{"custom_id":"o1","body":{"model":"qwen3","messages":[{"role":"user","content":"hi"}],"options":{"num_ctx":8192,"mirostat":2}}}""",
				"", """
						{"prompt":"plain"}""");

		assertThat(input.errors()).isEmpty();
		assertThat(input.lines()).extracting(BatchLine::customId).containsExactly("p1", "e1", "o1", "line-5");
		assertThat(input.lines()).extracting(BatchLine::endpoint)
			.containsExactly(BatchEndpoint.COMPLETIONS, BatchEndpoint.EMBEDDINGS, BatchEndpoint.OLLAMA_CHAT,
					BatchEndpoint.OLLAMA_GENERATE);
		assertThat(build(input.lines().get(0)).getFormat()).isEqualTo("json");
		assertThat(build(input.lines().get(0)).getOptions().getNumPredict()).isEqualTo(5);
		assertThat(build(input.lines().get(1)).getInputs()).containsExactly("a", "b");
		assertThat(build(input.lines().get(2)).getOptions().getNumCtx()).isEqualTo(8192);
		assertThat(build(input.lines().get(2)).getOptions().getExtra()).containsEntry("mirostat", "2");
		assertThat(build(input.lines().get(3)).getModel()).isEqualTo("llama3.2");
		assertThat(input.endpoint()).isEqualTo("mixed");
	}

	@Test
	void badLinesAreReportedByNumberAndADuplicateCustomIdIsABadLine() throws IOException {
		BatchInput input = read(
				"""
						{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"user","content":"x"}]}}""",
				"{not json", """
						{"custom_id":"b","method":"POST","url":"/v1/images","body":{"model":"m"}}""",
				"""
						{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"user","content":"y"}]}}""",
				"""
						{"custom_id":"c","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[]}}""",
				"""
						{"custom_id":"d","method":"POST","url":"/v1/chat/completions","body":{"model":"m","n":2,"messages":[{"role":"user","content":"z"}]}}""");

		assertThat(input.lines()).extracting(BatchLine::customId).containsExactly("a");
		assertThat(input.errors()).extracting(BatchInput.LineError::number).containsExactly(2, 3, 4, 5, 6);
		assertThat(input.errors().get(2).message()).contains("custom_id 'a' is already used on line 1");
		assertThat(input.errors().get(1).message()).contains("url must be");
		assertThat(input.errors().get(3).message()).contains("messages must be a non-empty array");
		assertThat(input.errors().get(4).message()).contains("n must be 1");
	}

}
