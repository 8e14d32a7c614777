# holyaudit-probe: bitlocker
# Each volume's BitLocker state. Get-BitLockerVolume needs the BitLocker feature and an administrator;
# when it fails, the reason is reported instead.
$ErrorActionPreference = 'Stop'
try {
    $volumes = @(Get-BitLockerVolume | ForEach-Object {
        [pscustomobject]@{
            mount = $_.MountPoint
            type = [string]$_.VolumeType
            protection = [string]$_.ProtectionStatus
            status = [string]$_.VolumeStatus
            percent = [double]$_.EncryptionPercentage
        }
    })
    [pscustomobject]@{ volumes = $volumes } | ConvertTo-Json -Compress -Depth 4
} catch {
    [pscustomobject]@{ error = $_.Exception.Message } | ConvertTo-Json -Compress
}
