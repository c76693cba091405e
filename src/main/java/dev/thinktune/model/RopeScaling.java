package dev.thinktune.model;

/**
 * Llama 3 rotary frequency scaling ({@code rope_type: llama3}): frequencies with wavelengths above
 * {@code originalMaxPositions / lowFreqFactor} are divided by {@code factor}, those below
 * {@code originalMaxPositions / highFreqFactor} are kept, and those between are interpolated smoothly.
 */
public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {

    public RopeScaling {
        if (!(factor > 0) || !(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) || originalMaxPositions <= 0) {
            throw new CheckpointException("config.json: rope_scaling needs factor > 0, 0 < low_freq_factor < "
                    + "high_freq_factor and original_max_position_embeddings > 0");
        }
    }

    /** Applies the scaling to one inverse frequency, as transformers' {@code _compute_llama3_parameters}. */
    public double scale(double invFreq) {
        double lowFreqWavelen = originalMaxPositions / lowFreqFactor;
        double highFreqWavelen = originalMaxPositions / highFreqFactor;
        double wavelen = 2 * Math.PI / invFreq;
        if (wavelen > lowFreqWavelen) {
            return invFreq / factor;
        }
        if (wavelen < highFreqWavelen) {
            return invFreq;
        }
        double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        return (1 - smooth) * invFreq / factor + smooth * invFreq;
    }
}
