package dev.kow.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;

import tools.jackson.databind.json.JsonMapper;

/**
 * A scenario's report: {@code {"scenario": ..., "config": {...}, "systems": {name:
 * {...}}}}.
 */
final class Report {

	final Map<String, Object> root = new LinkedHashMap<>();

	final Map<String, Object> config = new LinkedHashMap<>();

	final Map<String, Object> systems = new LinkedHashMap<>();

	Report(String scenario) {
		this.root.put("scenario", scenario);
		this.root.put("config", this.config);
		this.root.put("systems", this.systems);
	}

	void write(BenchOptions options) throws IOException {
		String text = JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(this.root);
		System.out.println(text);
		if (options.json != null) {
			Files.writeString(options.json, text);
			System.out.println("Report written to " + options.json);
		}
	}

}
