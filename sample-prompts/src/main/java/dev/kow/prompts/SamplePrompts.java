package dev.kow.prompts;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads prompts from JSONL: one object per line with a {@code prompt} string and,
 * optionally, an {@code id} (the bundled sample's format, or plain {@code {"prompt":
 * ...}} lines).
 */
public final class SamplePrompts {

	/**
	 * The bundled 2,000-prompt sample (HH-RLHF helpful-base, MIT; see prompts/NOTICE.md).
	 */
	public static final String BUNDLED = "/prompts/hh-rlhf-helpful-base-sample.jsonl";

	private static final ObjectMapper JSON = JsonMapper.builder().build();

	/**
	 * One prompt.
	 *
	 * @param id the line's {@code id}, or {@code prompt-N} for line N
	 * @param text the prompt text
	 */
	public record Prompt(String id, String text) {
	}

	private SamplePrompts() {
	}

	/**
	 * @param file a JSONL file, or null for the bundled sample
	 * @param limit at most this many (0: all)
	 * @return the prompts in file order
	 * @throws IOException when the file cannot be read
	 * @throws IllegalArgumentException naming the line when a line has no prompt string
	 */
	public static List<Prompt> read(Path file, int limit) throws IOException {
		try (InputStream in = file == null ? SamplePrompts.class.getResourceAsStream(BUNDLED)
				: Files.newInputStream(file);
				BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
			List<Prompt> prompts = new ArrayList<>();
			String line;
			int number = 0;
			while ((line = reader.readLine()) != null && (limit <= 0 || prompts.size() < limit)) {
				number++;
				if (line.isBlank()) {
					continue;
				}
				JsonNode node = JSON.readTree(line);
				if (!node.path("prompt").isString()) {
					throw new IllegalArgumentException(
							(file == null ? BUNDLED : file) + " line " + number + ": no \"prompt\" string");
				}
				String id = node.path("id").asString("prompt-" + number);
				prompts.add(new Prompt(id, node.path("prompt").asString()));
			}
			return prompts;
		}
	}

}
