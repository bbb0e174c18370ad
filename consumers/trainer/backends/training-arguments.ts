// The Hugging Face TrainingArguments both LLaMA-Factory and TRL read, from the run's hyper-parameters: the
// batch size as gradient accumulation over one example per device (right on one GPU; a multi-GPU command
// divides it by the GPU count), the SFT schedule (Appendix C) for both stages, epochs and learning rate per stage.
import type { StageRequest } from '../backend.js';

export function trainingArguments(request: StageRequest) {
  const { sft, dpo } = request.hyperparameters;
  const stage = request.stage === 'sft' ? sft : dpo;
  return {
    per_device_train_batch_size: 1,
    gradient_accumulation_steps: stage.batch_size,
    num_train_epochs: stage.epochs,
    learning_rate: stage.learning_rate,
    // A constant rate still honours the warm-up ratio.
    lr_scheduler_type: sft.scheduler === 'constant' ? 'constant_with_warmup' : sft.scheduler,
    warmup_ratio: sft.warmup_ratio,
    bf16: true,
    logging_steps: 10,
    report_to: 'none',
  };
}
