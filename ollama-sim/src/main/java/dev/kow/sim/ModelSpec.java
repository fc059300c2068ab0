package dev.kow.sim;

import java.util.Set;

/**
 * A model the simulator can serve, as listed by {@code /api/tags}.
 *
 * @param name full name with tag, for example {@code llama3.1:8b}
 * @param family model family ({@code details.family})
 * @param parameterSize for example {@code 8.0B}
 * @param quantization for example {@code Q4_K_M}
 * @param sizeBytes size on disk, bytes
 * @param contextLength trained context length, tokens
 * @param embeddingLength vector length returned by {@code /api/embed}
 * @param capabilities Ollama capabilities: completion, embedding, thinking, tools,
 * vision, insert
 * @param speedFactor multiplier on the profile's decode and prefill speeds (mistral about
 * 1.1)
 */
public record ModelSpec(String name, String family, String parameterSize, String quantization, long sizeBytes,
		int contextLength, int embeddingLength, Set<String> capabilities, double speedFactor) {

	/**
	 * @return a stable sha256-like hex digest derived from the name
	 */
	public String digest() {
		StringBuilder hex = new StringBuilder();
		long h = this.name.hashCode() * 0x9E3779B97F4A7C15L;
		while (hex.length() < 64) {
			h = h * 6364136223846793005L + 1442695040888963407L;
			hex.append(String.format("%016x", h));
		}
		return hex.substring(0, 64);
	}

	/**
	 * @param capability a capability name
	 * @return whether the model has it
	 */
	public boolean can(String capability) {
		return this.capabilities.contains(capability);
	}
}
