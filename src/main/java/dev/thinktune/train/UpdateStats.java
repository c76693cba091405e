package dev.thinktune.train;

/**
 * What one optimizer update saw.
 *
 * @param loss           the objective's value over the update's batch
 * @param gradNorm       global gradient norm before clipping
 * @param lr             learning rate used
 * @param clipRatio      fraction of student tokens whose ratio was clipped
 * @param aasWeightMean  mean AAS weight {@code p/(p+c)} over the teacher tokens that count
 * @param aasMasked      teacher tokens masked as low-confidence negatives
 * @param kl             mean k3 estimate of KL to the reference over response tokens (0 when beta = 0)
 * @param skipped        true when the loss or a gradient was not finite and the update was skipped
 * @param tokens         response tokens in the update
 */
public record UpdateStats(double loss, double gradNorm, double lr, double clipRatio, double aasWeightMean,
                          int aasMasked, double kl, boolean skipped, int tokens) {
}
