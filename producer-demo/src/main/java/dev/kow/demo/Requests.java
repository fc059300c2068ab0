package dev.kow.demo;

import dev.kow.prompts.SamplePrompts;

import java.time.Instant;
import java.util.Map;

import dev.kow.avro.GenerationOptions;
import dev.kow.avro.InferenceRequest;
import dev.kow.avro.Mode;

/** Builds demo requests. */
final class Requests {

	private Requests() {
	}

	static InferenceRequest generate(SamplePrompts.Prompt prompt, String model, int numPredict, Priority priority) {
		return InferenceRequest.newBuilder()
			.setId(prompt.id())
			.setModel(model)
			.setMode(Mode.GENERATE)
			.setPrompt(prompt.text())
			.setOptions(numPredict > 0 ? GenerationOptions.newBuilder().setNumPredict(numPredict).build() : null)
			.setMetadata(Map.of("priority", priority.key()))
			.setCreatedAt(Instant.now())
			.build();
	}

}
