output "bucket_name" {
  value = module.storage.bucket_name
}

output "queue_url" {
  value = module.queue.queue_url
}

output "dlq_url" {
  value = module.queue.dlq_url
}

output "trading_api_secret_arn" {
  value = module.secrets.secret_arn
}

output "database_secret_arn" {
  value = module.database_secret.secret_arn
}

output "services_policy_arn" {
  value = aws_iam_policy.services.arn
}
