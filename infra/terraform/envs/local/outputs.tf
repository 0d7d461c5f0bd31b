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
