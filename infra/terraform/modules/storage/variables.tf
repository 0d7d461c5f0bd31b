variable "bucket_name" {
  description = "Name of the results bucket."
  type        = string
}

variable "environment" {
  description = "local, staging, production …; tagged on every resource."
  type        = string
}

variable "archive_after_days" {
  description = "Days after which results move to the archive storage class."
  type        = number
  default     = 30
}

variable "archive_storage_class" {
  description = "Storage class results are archived to."
  type        = string
  default     = "GLACIER"

  validation {
    condition     = contains(["GLACIER", "DEEP_ARCHIVE", "GLACIER_IR"], var.archive_storage_class)
    error_message = "archive_storage_class must be GLACIER, GLACIER_IR or DEEP_ARCHIVE."
  }
}

variable "expire_after_days" {
  description = "Days after which results are deleted."
  type        = number
  default     = 365
}

variable "force_destroy" {
  description = "Let terraform destroy a bucket that still holds objects (LocalStack only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Extra tags."
  type        = map(string)
  default     = {}
}
