import * as tf from '@tensorflow/tfjs';
import { Band, StepForecast, band } from './bands';
import { LocalCalendar } from './calendar';
import { FeatureSpec, featureRow, firstUsableIndex, inputSize, levelFromOutput, outputSize, targetRow } from './features';
import { IntervalWidths, intervalWidths } from './quantiles';

export interface DenseTrainingOptions {
  horizons: number;
  lags: number;
  hiddenUnits: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Share of the newest samples held out for the prediction intervals (split conformal). */
  validationShare: number;
  /** L2 weight penalty on the hidden layer: weeks of data are few samples for a network. */
  l2: number;
  seed: number;
}

export const DEFAULT_DENSE_TRAINING: DenseTrainingOptions = {
  horizons: 4,
  lags: 8,
  hiddenUnits: 32,
  epochs: 30,
  batchSize: 64,
  learningRate: 0.01,
  validationShare: 0.2,
  l2: 0.001,
  seed: 42,
};

export interface DenseTrainingInput {
  intervalMinutes: number;
  approaches: string[];
  firstIntervalStartMs: number;
  /** Cleaned history (no nulls), values[t][a]. */
  values: number[][];
  calendar: LocalCalendar;
}

export interface StepWidths {
  total: IntervalWidths;
  approaches: IntervalWidths[];
}

/** Everything needed to rebuild a trained model elsewhere (the worker saves this to disk). */
export interface SerializedDenseModel {
  kind: 'dense-mlp';
  spec: FeatureSpec;
  widths: StepWidths[];
  trainedOnIntervals: number;
  validationMae: number[];
  modelTopology: unknown;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightDataBase64: string;
}

/**
 * The crossing's own model: a small multi-layer perceptron trained with squared-error
 * loss and Adam (a gradient method) on the crossing's history only. One network predicts
 * every approach at every horizon; the total is the sum of approaches. Prediction
 * intervals are split-conformal: quantiles of absolute errors on the newest held-out
 * samples, per horizon, per approach and for the total.
 */
export class DenseForecaster {
  readonly name = 'dense-mlp';

  private constructor(
    private readonly model: tf.LayersModel,
    readonly spec: FeatureSpec,
    readonly widths: StepWidths[],
    readonly trainedOnIntervals: number,
    readonly validationMae: number[],
  ) {}

  static sampleCount(input: Pick<DenseTrainingInput, 'intervalMinutes' | 'values'>, options: Pick<DenseTrainingOptions, 'horizons' | 'lags'>): number {
    const spec = { intervalMinutes: input.intervalMinutes, horizons: options.horizons, lags: options.lags, approaches: [], scales: [] };
    return Math.max(0, input.values.length - options.horizons - firstUsableIndex(spec));
  }

  static async train(input: DenseTrainingInput, partial: Partial<DenseTrainingOptions> = {}): Promise<DenseForecaster> {
    const options = { ...DEFAULT_DENSE_TRAINING, ...partial };
    const { values } = input;
    const scales = input.approaches.map((_, a) => {
      const mean = values.reduce((s, row) => s + row[a], 0) / Math.max(1, values.length);
      return Math.max(1, mean);
    });
    const spec: FeatureSpec = { intervalMinutes: input.intervalMinutes, horizons: options.horizons, lags: options.lags, approaches: input.approaches, scales };
    const first = firstUsableIndex(spec);
    const last = values.length - 1 - spec.horizons;
    const sampleCount = last - first + 1;
    if (sampleCount < 20) throw new Error(`not enough history to train: ${values.length} intervals give ${Math.max(0, sampleCount)} samples, need 20`);

    const xs: number[][] = [];
    const ys: number[][] = [];
    for (let i = first; i <= last; i++) {
      xs.push(featureRow(spec, values, i, input.firstIntervalStartMs, input.calendar));
      ys.push(targetRow(spec, values, i));
    }
    const validationCount = Math.max(5, Math.floor(sampleCount * options.validationShare));
    const trainCount = sampleCount - validationCount;

    const model = buildNetwork(spec, options);
    const xTrain = tf.tensor2d(xs.slice(0, trainCount));
    const yTrain = tf.tensor2d(ys.slice(0, trainCount));
    try {
      // yieldEvery: 'batch' hands the event loop back between batches, so a worker
      // keeps reading detectors and forecasting with its current model while it trains.
      await model.fit(xTrain, yTrain, {
        epochs: options.epochs,
        batchSize: options.batchSize,
        shuffle: true,
        verbose: 0,
        yieldEvery: 'batch',
      });
    } finally {
      xTrain.dispose();
      yTrain.dispose();
      // The optimizer's state is only needed while fitting, and a model does not free an
      // optimizer object it was handed: without this every retraining leaks its tensors.
      model.optimizer.dispose();
    }

    const forecaster = new DenseForecaster(model, spec, [], values.length, []);
    const validationPredictions = forecaster.predictScaled(xs.slice(trainCount));
    const widths: StepWidths[] = [];
    const validationMae: number[] = [];
    const approachCount = spec.approaches.length;
    for (let h = 1; h <= spec.horizons; h++) {
      const totalErrors: number[] = [];
      const approachErrors: number[][] = Array.from({ length: approachCount }, () => []);
      validationPredictions.forEach((prediction, k) => {
        let totalError = 0;
        for (let a = 0; a < approachCount; a++) {
          const column = a * spec.horizons + (h - 1);
          const index = first + trainCount + k;
          const error = values[index + h][a] - Math.max(0, levelFromOutput(spec, values, index, a, prediction[column]));
          approachErrors[a].push(Math.abs(error));
          totalError += error;
        }
        totalErrors.push(Math.abs(totalError));
      });
      widths.push({ total: intervalWidths(totalErrors), approaches: approachErrors.map(intervalWidths) });
      validationMae.push(totalErrors.reduce((s, e) => s + e, 0) / Math.max(1, totalErrors.length));
    }
    return new DenseForecaster(model, spec, widths, values.length, validationMae);
  }

  static async deserialize(serialized: SerializedDenseModel): Promise<DenseForecaster> {
    const weightData = Uint8Array.from(Buffer.from(serialized.weightDataBase64, 'base64')).buffer;
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: serialized.modelTopology as tf.io.ModelJSON['modelTopology'], weightSpecs: serialized.weightSpecs, weightData }),
    );
    return new DenseForecaster(model, serialized.spec, serialized.widths, serialized.trainedOnIntervals, serialized.validationMae);
  }

  async serialize(): Promise<SerializedDenseModel> {
    let artifacts: tf.io.ModelArtifacts | undefined;
    await this.model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
      }),
    );
    if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error('model produced no weights to save');
    const weightData = artifacts.weightData instanceof ArrayBuffer ? artifacts.weightData : tf.io.concatenateArrayBuffers(artifacts.weightData);
    return {
      kind: 'dense-mlp',
      spec: this.spec,
      widths: this.widths,
      trainedOnIntervals: this.trainedOnIntervals,
      validationMae: this.validationMae,
      modelTopology: artifacts.modelTopology,
      weightSpecs: artifacts.weightSpecs,
      weightDataBase64: Buffer.from(weightData).toString('base64'),
    };
  }

  /** Forecasts the next `horizons` intervals after history index `index`. */
  forecast(values: number[][], index: number, firstIntervalStartMs: number, calendar: LocalCalendar): StepForecast[] {
    if (index < firstUsableIndex(this.spec)) throw new Error(`history too short to forecast: index ${index}`);
    const [prediction] = this.predictScaled([featureRow(this.spec, values, index, firstIntervalStartMs, calendar)]);
    const steps: StepForecast[] = [];
    for (let h = 1; h <= this.spec.horizons; h++) {
      const widths = this.widths[h - 1];
      const means = this.spec.approaches.map((_, a) => Math.max(0, levelFromOutput(this.spec, values, index, a, prediction[a * this.spec.horizons + (h - 1)])));
      const approaches: Band[] = means.map((m, a) => band(m, widths.approaches[a]));
      steps.push({ stepsAhead: h, total: band(means.reduce((s, m) => s + m, 0), widths.total), approaches });
    }
    return steps;
  }

  dispose(): void {
    this.model.dispose();
  }

  private predictScaled(rows: number[][]): number[][] {
    if (rows.length === 0) return [];
    return tf.tidy(() => {
      const output = this.model.predict(tf.tensor2d(rows)) as tf.Tensor2D;
      return output.arraySync();
    });
  }
}

function buildNetwork(spec: FeatureSpec, options: DenseTrainingOptions): tf.Sequential {
  const model = tf.sequential();
  model.add(
    tf.layers.dense({
      inputShape: [inputSize(spec)],
      units: options.hiddenUnits,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed }),
      kernelRegularizer: tf.regularizers.l2({ l2: options.l2 }),
    }),
  );
  model.add(tf.layers.dense({ units: outputSize(spec), kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed + 1 }) }));
  model.compile({ optimizer: tf.train.adam(options.learningRate), loss: 'meanSquaredError' });
  return model;
}
