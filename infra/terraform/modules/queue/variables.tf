variable "queue_name" {
  description = "Name of the main queue; the dead-letter queue is <queue_name>-dlq."
  type        = string
}

variable "environment" {
  description = "local, staging, production …; tagged on every resource."
  type        = string
}

variable "max_receive_count" {
  description = "Receives before a message moves to the dead-letter queue."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be between 1 and 1000."
  }
}

variable "visibility_timeout_seconds" {
  description = "How long a received message stays hidden: longer than a sweep's ack deadline extension."
  type        = number
  default     = 900
}

variable "retention_seconds" {
  description = "How long the main queue keeps a message (4 days)."
  type        = number
  default     = 345600
}

variable "dlq_retention_seconds" {
  description = "How long the dead-letter queue keeps a message (14 days, the SQS maximum)."
  type        = number
  default     = 1209600
}

variable "tags" {
  description = "Extra tags."
  type        = map(string)
  default     = {}
}
