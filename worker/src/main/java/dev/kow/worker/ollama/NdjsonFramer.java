package dev.kow.worker.ollama;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a byte stream into newline-terminated lines. Works on bytes, so a UTF-8
 * character split across network chunks is never broken. Not thread-safe: one instance
 * per response.
 */
final class NdjsonFramer {

	private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

	/**
	 * @param chunk the next network chunk
	 * @return the lines completed by it, without the newline; blank lines are dropped
	 */
	List<String> push(byte[] chunk) {
		List<String> lines = new ArrayList<>(2);
		int start = 0;
		for (int i = 0; i < chunk.length; i++) {
			if (chunk[i] == '\n') {
				this.partial.write(chunk, start, i - start);
				addLine(lines);
				start = i + 1;
			}
		}
		this.partial.write(chunk, start, chunk.length - start);
		return lines;
	}

	/**
	 * @return the unterminated rest as a line (a non-streamed body has no newline), or an
	 * empty list
	 */
	List<String> finish() {
		List<String> lines = new ArrayList<>(1);
		addLine(lines);
		return lines;
	}

	private void addLine(List<String> lines) {
		String line = this.partial.toString(StandardCharsets.UTF_8);
		this.partial.reset();
		if (!line.isBlank()) {
			lines.add(line);
		}
	}

}
